"""Scoring: answers in, a small frozen result out. Imports nothing from Flask.

``results`` holds the result types, ``rules`` the registry of named rules that
definitions refer to, and ``engine`` applies a definition's rules to answers.
"""
