"""The shipment's papers: a packing list (A4) and one QR label per part, on an A4 sheet of
3 × 8 labels (70 × 37 mm) or on 60 × 40 mm thermal labels, one per page."""

import segno
from flask import render_template

from portal.core.db import shanghai_today
from portal.core.pdf import render_pdf
from portal.returns.models import ReturnShipment

LAYOUTS = ("a4", "thermal")
PER_SHEET = 24  # 3 columns × 8 rows


def qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as an SVG data: URI (error correction Q survives a scuffed tag)."""
    return segno.make(text, error="q", micro=False, boost_error=False).svg_data_uri(border=2)


def _labels(shipment: ReturnShipment) -> list[dict]:
    """One label per shipment line (a line of quantity 2 is one bag with one label)."""
    return [{"owed": line.owed_part, "qr": qr_data_uri(line.owed_part.qr_text)}
            for line in shipment.lines]


def labels_pdf(shipment: ReturnShipment, layout: str = "a4") -> bytes:
    labels = _labels(shipment)
    if layout == "thermal":
        html = render_template("returns/labels_thermal.html", shipment=shipment, labels=labels)
    else:
        sheets = [labels[i:i + PER_SHEET] for i in range(0, len(labels), PER_SHEET)]
        html = render_template("returns/labels_a4.html", shipment=shipment,
                               sheets=[[sheet[r:r + 3] for r in range(0, len(sheet), 3)]
                                       for sheet in sheets])
    return render_pdf(html)


def packing_list_html(shipment: ReturnShipment) -> str:
    return render_template("returns/packing_list.html", shipment=shipment,
                           printed_on=shanghai_today())


def packing_list_pdf(shipment: ReturnShipment) -> bytes:
    return render_pdf(packing_list_html(shipment))
