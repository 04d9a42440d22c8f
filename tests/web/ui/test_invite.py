"""The invite page: moderators and ambassadors of a quarter get an invitation link and a QR code
(inline SVG, PNG download) that decodes back to that link; others are refused. What the link
does at sign-up is tests/local/test_invites.py."""

import io
import re
from html import unescape

import zxingcpp
from helpers import CSRF, login, make_quarter, make_resident, node_of, switch_to
from PIL import Image

from node.local.invites import QuarterInvite


async def test_moderators_invite_with_a_link_and_a_qr_code_that_decodes(client):
    node = node_of(client)
    await make_quarter(node, "saint_servan", "Saint-Servan", description="Quartier de Saint-Malo")
    await make_quarter(node, "north", "North", postcodes=("35000",))
    await make_resident(node, "camille", quarter="saint_servan", role="moderator")
    await make_resident(node, "amb", quarter="saint_servan", role="ambassador")
    await make_resident(node, "yann", quarter="saint_servan")
    await make_resident(node, "nord", quarter="north", role="moderator")
    await login(client, "camille")
    response = await client.get("/quarters/saint_servan/invite")
    assert response.status == 200
    page = await response.text()
    link = unescape(
        re.search(r'id="invite-link" type="url" readonly value="([^"]+)"', page).group(1)
    )
    code = await node.db.run(lambda: QuarterInvite.get().code)
    assert link == f"{node.urls.base}/signup?invite={code}"
    assert "Valid until" in page and "0 people joined through it." in page
    # the page shows the same invitation again (it is printed): no new row at every visit
    again = await (await client.get("/quarters/saint_servan/invite")).text()
    assert link in unescape(again)
    assert await node.db.run(QuarterInvite.select().count) == 1
    assert re.search(r"<svg[^>]*class=\"qr\"", page) and "<title>" in page  # inline, titled
    png = await client.get("/quarters/saint_servan/invite.png")
    assert png.status == 200 and png.content_type == "image/png"
    assert "attachment" in png.headers["Content-Disposition"]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(await png.read())))
    assert [r.text for r in decoded] == [link]
    # the link opens sign-up for that quarter
    await client.post(
        "/logout",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)},
    )
    client.session.cookie_jar.clear()
    signup = await (await client.get(link.removeprefix(node.urls.base))).text()
    assert "Join your neighbours in Saint-Servan" in signup and "Quartier de Saint-Malo" in signup
    assert f'name="invite" value="{code}"' in signup and 'id="invite-accepted"' in signup
    assert '<form method="post" action="/signup"' in signup
    # an ambassador of the quarter may invite too; a resident or another quarter's moderator not
    await switch_to(client, "amb")
    page = await (await client.get("/quarters/saint_servan/invite")).text()
    assert link in unescape(page)  # the quarter's invitation in force, whoever made it
    for who in ("yann", "nord"):
        await switch_to(client, who)
        assert (await client.get("/quarters/saint_servan/invite")).status == 403
        assert (await client.get("/quarters/saint_servan/invite.png")).status == 403
        token = CSRF.search(await (await client.get("/")).text()).group(1)
        r = await client.post("/quarters/saint_servan/invite/renew", data={"csrf_token": token})
        assert r.status == 403
    assert (await client.get("/quarters/nowhere/invite")).status == 404


async def test_the_invite_page_needs_a_login(client):
    node = node_of(client)
    await make_quarter(node, "saint_servan", "Saint-Servan")
    response = await client.get("/quarters/saint_servan/invite", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")
