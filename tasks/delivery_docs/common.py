"""What the delivery-document rooms share: ``_CONTROL`` (control characters removed from
text).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
