"""Address and proof-of-address pages of the resident's settings."""

from __future__ import annotations

import asyncio

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import residents, verification
from node.local.errors import Invalid
from node.local.models import Quarter
from node.web import geocoder
from node.web.guards import require_resident
from node.web.render import redirect, render
from node.web.ui.account import file_bytes


def _number(form, name: str, low: float, high: float, errors: dict) -> float | None:
    raw = str(form.get(name, "")).strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        errors[name] = _("Enter a number between %(low)s and %(high)s.", low=low, high=high)
        return None
    return value


def _address_data(resident_id: int) -> dict:
    me = residents.get_by_id(resident_id)
    quarter = Quarter.get_or_none(Quarter.id == me.quarter_id) if me.quarter_id else None
    return {"resident": me, "quarter": quarter}


async def address_form(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    data = await node.db.run(_address_data, me.id)
    return render(request, "settings/address.html", errors={}, form=None, **data)


async def save_address(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    errors: dict[str, str] = {}
    lat = _number(form, "lat", -90, 90, errors)
    lon = _number(form, "lon", -180, 180, errors)
    if (lat is None) != (lon is None) and not errors:
        errors["lon" if lon is None else "lat"] = _("Give both latitude and longitude.")
    address = str(form.get("address", "")).strip()
    postcode = str(form.get("postcode", "")).strip()
    if not postcode and lat is None:
        errors["postcode"] = _("Give at least your postcode or your position.")
    if errors:
        data = await node.db.run(_address_data, me.id)
        return render(
            request,
            "settings/address.html",
            status=400,
            errors={**errors, "_": _("Please correct the marked fields.")},
            form=dict(form),
            **data,
        )
    city = str(form.get("city", "")).strip()
    if lat is None and address and node.settings.geocoder_url:
        # No typed position: ask the node's geocoder; without an answer the postcode decides.
        found = await geocoder.locate(
            node.settings.geocoder_url,
            ", ".join(p for p in (address, f"{postcode} {city}".strip()) if p),
            me.language or node.settings.default_language,
        )
        if found:
            lat, lon = found
    resident = await commit(
        node,
        residents.place,
        me,
        address,
        postcode,
        city,
        lat,
        lon,
    )
    if resident.quarter_id is None:
        raise redirect(
            "/settings/address",
            _("Saved. No quarter of this node covers your address yet: a moderator can add you."),
        )
    raise redirect("/settings/verification", _("Saved. You are now attached to your quarter."))


async def verification_form(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    proofs = await node.db.run(verification.proofs_of, me.id)
    return render(request, "settings/verification.html", errors={}, proofs=proofs)


async def upload_proof(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    try:
        data = await file_bytes(form, "document")
        # every byte is read (pixels decoded, PDF structure walked) off the event loop and before
        # the transaction, so a heavy file never holds the database's write lock
        document = await asyncio.to_thread(
            verification.check_document, data, node.settings.max_upload_bytes
        )
        await commit(node, verification.submit, me.id, document)
    except Invalid as exc:
        proofs = await node.db.run(verification.proofs_of, me.id)
        return render(
            request,
            "settings/verification.html",
            status=400,
            errors={**exc.fields, "_": exc.message},
            proofs=proofs,
        )
    raise redirect(
        "/settings/verification",
        _("Thank you! A moderator of your quarter will check your document soon."),
    )


ROUTES = [
    ("GET", "/settings/address", address_form, "settings_address"),
    ("POST", "/settings/address", save_address, "settings_address_post"),
    ("GET", "/settings/verification", verification_form, "settings_verification"),
    ("POST", "/settings/verification", upload_proof, "settings_verification_post"),
]
