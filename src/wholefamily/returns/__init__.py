"""Statutory returns a council sends to the Department for Education.

Each return is a pure package (no Django): it takes plain records built by its caller
(the case database, a test, a benchmark), writes the file the DfE specifies and checks it
with the DfE's own rules. `cin` is the Children in Need census.
"""
