"""The bundled document -> what the model library sees and one typed OperationPlan per operation."""
