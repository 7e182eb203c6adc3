"""Questionnaire definitions: data files that staff edit, validated strictly before use.

``yaml_source`` turns bytes into plain data while remembering where each value came from,
``schema`` says what a definition may contain, ``checks`` holds the rules that span several
fields, and ``loading`` ties them together so that every error names file, line and column.
"""
