"""Plain functions that change stored data: views, the CLI and the API call these.

They take plain data, flush, and return; the caller commits once.
"""
