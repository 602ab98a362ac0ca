"""Word templates, one folder per language (zh-CN first, en).

The .docx files are what a non-programmer edits in Word: keep the ``{{ ... }}`` and
``{%tr ... %}`` tags, change anything else. ``python -m changeflow.docs_templates.build``
regenerates the shipped versions from the builders in this package.
"""
