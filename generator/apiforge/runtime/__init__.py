"""The hand-written runtime each generated package carries as `_runtime/`: a client and a server part.

Ordinary, tested Python: `apiforge.codegen.assets.runtime_files` copies both parts into one flat folder.
"""
