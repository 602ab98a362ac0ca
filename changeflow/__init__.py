"""changeflow: custom-development and maintenance requests of an OA service contract.

The distribution maps the client's top-level folders into one namespace:
``changeflow.db`` (db/), ``changeflow.tasks`` (tasks/), ``changeflow.flows`` (flows/),
``changeflow.docs_templates`` (docs_templates/) and, as data for the demo, ``changeflow.examples``
(examples/). Settings, errors, the fault-injection switch
and JSON values live here, at the bottom, so every layer may use them; the CLI
(``changeflow.cli``, with Prefect server management and the demo) sits on top.
"""

__version__ = "0.1.0"
