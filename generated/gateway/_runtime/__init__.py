"""The hand-written runtime each generated package carries as `_runtime/`: a client and a server part.

Ordinary, tested Python, copied as it is (`apiforge.codegen.assets.runtime_files`): generated code
imports `._runtime.client` and `._runtime.server.<module>`.
"""
