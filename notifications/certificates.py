"""The certificate as an SVG document.

SVG, not PDF: it is text, so it needs no new dependency, renders in every browser, prints,
and a test can parse it and read what it says. Every name in it is the users' own text,
so each is XML-escaped; the document has no script and no external reference, and it is
served with a ``Content-Security-Policy`` that forbids both (notifications.apis).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from notifications.models import Certificate

_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def ordinal(placement: int) -> str:
    return _ORDINALS.get(placement, f"{placement}th")


def certificate_svg(certificate: Certificate) -> str:
    """Precondition: ``certificate``'s user, tournament and team are loaded."""
    tournament = certificate.tournament
    lines = [
        ("Certificate of achievement", 34, 150),
        (certificate.user.username, 30, 230),
        (f"placed {ordinal(certificate.placement)} with {certificate.team.name}", 22, 290),
        (f"in {tournament.name} ({tournament.game})", 22, 330),
        (f"Finalized {certificate.created_at:%Y-%m-%d}. Arena certificate #{certificate.pk}", 14, 440),
    ]
    texts = "\n".join(
        f'  <text x="400" y="{y}" font-size="{size}" text-anchor="middle">{escape(text)}</text>'
        for text, size, y in lines
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500" viewBox="0 0 800 500" '
        'font-family="Georgia, serif">\n'
        '  <rect x="10" y="10" width="780" height="480" fill="#fffdf5" stroke="#8a6d1d" stroke-width="6"/>\n'
        f"{texts}\n"
        "</svg>\n"
    )
