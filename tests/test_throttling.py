"""Log-in and sign-up throttling through Redis, per program + email and per client address."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from tests.builders import PASSWORD, SIGN_UP, new_program, sign_up, unique
from tests.graphql import GraphQLClient, codes

SETTINGS_OVERRIDES = {
    "login_attempts_per_email": 3,
    "login_attempts_per_address": 6,
    "signups_per_address": 2,
}

LOG_IN = """
mutation LogIn($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }
"""


def client_from(app: Starlette, address: str) -> GraphQLClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return GraphQLClient(httpx.AsyncClient(transport=transport, base_url="http://testserver"))


async def test_repeated_wrong_passwords_lock_the_email_even_for_the_right_one(
    app: Starlette,
) -> None:
    program = await new_program()
    client = client_from(app, "10.0.0.1")
    member = await sign_up(client, program)
    wrong = {"program": program.slug, "email": member.email, "password": "wrong password"}
    for _ in range(3):
        assert codes(await client.mutate(LOG_IN, wrong)) == ["INVALID_CREDENTIALS"]
    # the right password now waits for the window too, and from another address as well
    right = {**wrong, "password": PASSWORD}
    assert codes(await client.mutate(LOG_IN, right)) == ["TOO_MANY_ATTEMPTS"]
    assert codes(await client_from(app, "10.0.0.2").mutate(LOG_IN, right)) == ["TOO_MANY_ATTEMPTS"]


async def test_the_email_lock_is_per_program(app: Starlette) -> None:
    locked, other = await new_program(), await new_program()
    client = client_from(app, "10.0.1.1")
    email = f"{unique('both')}@example.com"
    await sign_up(client, locked, email=email)
    await sign_up(client_from(app, "10.0.1.2"), other, email=email)
    for _ in range(3):
        await client.mutate(LOG_IN, {"program": locked.slug, "email": email, "password": "nope"})
    ok = await client.mutate(LOG_IN, {"program": other.slug, "email": email, "password": PASSWORD})
    assert ok["errors"] == []


async def test_one_address_trying_many_emails_is_throttled(app: Starlette) -> None:
    program = await new_program()
    client = client_from(app, "10.0.2.1")
    for i in range(6):
        await client.mutate(
            LOG_IN, {"program": program.slug, "email": f"guess{i}@example.com", "password": "x"}
        )
    payload = await client.mutate(
        LOG_IN, {"program": program.slug, "email": "fresh@example.com", "password": "x"}
    )
    assert codes(payload) == ["TOO_MANY_ATTEMPTS"]


async def test_a_success_resets_the_email_counter(app: Starlette) -> None:
    program = await new_program()
    client = client_from(app, "10.0.3.1")
    member = await sign_up(client, program)
    wrong = {"program": program.slug, "email": member.email, "password": "wrong password"}
    right = {**wrong, "password": PASSWORD}
    for _ in range(2):
        await client.mutate(LOG_IN, wrong)
    assert (await client.mutate(LOG_IN, right))["errors"] == []
    for _ in range(2):
        await client.mutate(LOG_IN, wrong)
    assert (await client.mutate(LOG_IN, right))["errors"] == []


async def test_sign_ups_from_one_address_are_throttled(app: Starlette) -> None:
    program = await new_program()
    client = client_from(app, "10.0.4.1")
    for _ in range(2):
        await sign_up(client, program)
    payload = await client.mutate(
        SIGN_UP,
        {
            "program": program.slug,
            "email": f"{unique('third')}@example.com",
            "password": PASSWORD,
            "displayName": "Third",
        },
    )
    assert codes(payload) == ["TOO_MANY_ATTEMPTS"]
    # another address is not affected
    await sign_up(client_from(app, "10.0.4.2"), program)
