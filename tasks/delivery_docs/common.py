"""What the delivery-document rooms share: ``CONTROL`` (control characters removed from
text), the one pattern of ``tasks.inputs``.
"""

from __future__ import annotations

from ..inputs import CONTROL

__all__ = ["CONTROL"]
