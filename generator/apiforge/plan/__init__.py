"""The bundled document -> what the model library sees and how each operation is served, names decided."""
