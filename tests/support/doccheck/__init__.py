"""Checks of the documents a client receives: ``form`` (the house style: page, header and
footer, properties, tables, sign-off blocks, dates) and ``content`` (client-clean text)."""
