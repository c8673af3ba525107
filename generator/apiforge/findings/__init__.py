"""Problems found, as values with a place, and the one printer that shows them."""
