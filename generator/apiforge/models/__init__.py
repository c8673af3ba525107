"""Pydantic models through datamodel-code-generator: ModelPlan -> models.py and the index of it.

`stage.build_models` is the way in: the library's output (library.py, run here or in the child
a `worker.ModelWorker` forks; cache.py keeps earlier runs'), then our edits of it
(allowed_imports, source, mypy_edits) and its index (what codegen reads). input.py and
unsatisfiable.py make the document the library reads.
"""
