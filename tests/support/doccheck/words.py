"""THE allow-list of Latin words in a zh-CN client document, for both English-word checks
(``content.english_words`` on the .docx text, ``pages.wording`` on every rendered page):
one list, so a word allowed in one check is not refused by the other (issue #28).

- ``CLIENT``: what a Chinese office reads in Latin letters (products, formats, units);
- ``TECHNICAL``: what a technical reader knows, allowed in the technical document (the page
  check) and in code-like text;
- ``LENIENT``: names the .docx content check still lets through in prose (tool and product
  names a document may quote: the test report names JUnit, the statement once said SLA).
  The page check refuses them; shrink this list as the documents stop using them.
"""

from __future__ import annotations

CLIENT = frozenset(
    w.casefold()
    for w in ("OA", "PDF", "Word", "Excel", "WPS", "Chrome", "Edge", "Firefox", "Windows",
              "IP", "VPN", "CPU", "PC", "ID", "CNY", "RMB", "GB", "MB", "KB", "TB", "T", "V")
)  # fmt: skip
TECHNICAL = frozenset(
    w.casefold() for w in ("HTTP", "HTTPS", "API", "URL", "SQL", "JSON", "GET", "POST", "PUT",
                           "DELETE", "Git", "Basic")
)  # fmt: skip
LENIENT = frozenset(
    w.casefold()
    for w in ("SLA", "IT", "JUnit", "SHA", "Linux", "Office", "LibreOffice", "Prefect", "VIP",
              "UTC", "DRAFT", "vs")
)  # fmt: skip
