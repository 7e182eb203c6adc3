"""The PDF summary a clinician reads: plain data (``data``) → HTML → PDF (``render``).

Nothing here imports Flask or touches the database; ``screener.services.reports``
stores the rendered bytes and serves them.
"""
