"""changeflow: custom-development and maintenance requests of an OA service contract.

The distribution maps the client's top-level folders into one namespace:
``changeflow.db`` (db/), ``changeflow.tasks`` (tasks/), ``changeflow.flows`` (flows/) and
``changeflow.docs_templates`` (docs_templates/). Settings and errors live here, at the bottom,
so every layer may use them; the CLI sits on top.
"""

__version__ = "0.1.0"
