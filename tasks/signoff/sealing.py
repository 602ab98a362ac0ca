"""Sealing what we send: the signature properties of an issued document, and their check.

What we send carries, in its custom document properties (which survive a re-save by Word,
WPS and LibreOffice): the subject's key (request or dispatch order), the document kind, its
version and language, a digest of its visible content (``content``), the signing key id
(``keys``) and an HMAC over all of these. An HMAC only proves we issued the properties
(they can be copied into another file), so a returned document is also compared with the
stored copy of what we sent (``reading.check_content``).
"""

from __future__ import annotations

import io
import re

from docx.document import Document as DocxDocument

from changeflow.wordparts import read_custom_properties, write_custom_properties

from . import keys
from .content import OLD_SCHEMES, SCHEME, canonical_lines, content_digest
from .kinds import rows_of, signable
from .refused import Refused

P_SCHEME = "changeflow.signature"
P_KIND = "changeflow.kind"
P_REQUEST = "changeflow.request"
P_VERSION = "changeflow.version"
P_LANG = "changeflow.lang"
P_DIGEST = "changeflow.digest"
P_KID = "changeflow.kid"
P_MAC = "changeflow.mac"
SIGNED = (P_SCHEME, P_KIND, P_REQUEST, P_VERSION, P_LANG, P_DIGEST, P_KID, P_MAC)

KEY_PATTERN = re.compile(r"\b[A-Z]{2,4}-\d{4}-\d{4}\b")


def lines_of(doc: DocxDocument, kind: str) -> list[str]:
    """The signed content of a document of ``kind``, by the sign-off table it carries."""
    return canonical_lines(doc, form_of(kind), rows_of(kind))


def form_of(kind: str) -> str:
    """The sign-off table a kind carries (``decision`` for kinds that take none)."""
    spec = signable(kind)
    return spec.form if spec is not None else "decision"


def _message(
    kind: str, request: str, version: int, lang: str, digest: str, scheme: str = SCHEME
) -> bytes:
    return "\n".join(
        [
            scheme,
            f"kind={kind}",
            f"request={request}",
            f"version={version}",
            f"lang={lang}",
            f"digest={digest}",
        ]
    ).encode()


def signed_properties(
    *, kind: str, request: str, version: int, lang: str, digest: str
) -> dict[str, str]:
    """The custom properties that identify and sign one issued document."""
    for name, value in (("kind", kind), ("request", request), ("lang", lang)):
        if not value or "\n" in value or "=" in value:
            raise ValueError(f"cannot sign: {name} {value!r}")
    kid, mac = keys.sign(_message(kind, request, version, lang, digest))
    return {
        P_SCHEME: SCHEME,
        P_KIND: kind,
        P_REQUEST: request,
        P_VERSION: str(version),
        P_LANG: lang,
        P_DIGEST: digest,
        P_KID: kid,
        P_MAC: mac,
    }


def sign_document(doc: DocxDocument, *, kind: str, request: str, version: int, lang: str) -> str:
    """Add the signature properties to an open document (keeps its other properties)."""
    digest = content_digest(lines_of(doc, kind))
    props = read_custom_properties(doc)
    props.update(
        signed_properties(kind=kind, request=request, version=version, lang=lang, digest=digest)
    )
    write_custom_properties(doc, props)
    return digest


def sign_docx(data: bytes, *, kind: str, request: str, version: int, lang: str) -> bytes:
    """A rendered .docx with its signature properties added: what we store and send.

    Call it on the bytes ``wordkit.render`` returns, before ``put_document``.
    """
    import docx

    doc = docx.Document(io.BytesIO(data))
    sign_document(doc, kind=kind, request=request, version=version, lang=lang)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def signature_of(doc: DocxDocument, source: str) -> dict[str, str]:
    """The signature properties, verified; refuses missing or forged ones."""
    props = read_custom_properties(doc)
    missing = [p for p in SIGNED if not props.get(p)]
    if len(missing) == len(SIGNED):
        raise Refused(
            source,
            "signature",
            "carries no changeflow signature: it is not a document we issued (or its"
            " properties were removed); send back the file we sent",
            "unsigned",
        )
    if missing:
        raise Refused(
            source, "signature", f"signature incomplete (missing {', '.join(missing)})", "forged"
        )
    if props[P_SCHEME] not in (SCHEME, *OLD_SCHEMES):
        raise Refused(source, "signature", f"unknown signature scheme {props[P_SCHEME]}", "forged")
    try:
        version = int(props[P_VERSION])
    except ValueError:
        raise Refused(source, "signature", "version is not a number", "forged") from None
    msg = _message(
        props[P_KIND], props[P_REQUEST], version, props[P_LANG], props[P_DIGEST], props[P_SCHEME]
    )
    if not keys.verify(msg, props[P_KID], props[P_MAC]):
        raise Refused(
            source,
            "signature",
            "signature does not verify: the document properties were altered or were not"
            " issued by this installation",
            "forged",
        )
    return props
