"""The ambassadors page over HTTP: each referrer's friends referred, referrals qualified and
points earned, most qualified first, from the staff query `ambassadors`."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from core.clock import clock
from gamification.accounts.members import register_member
from gamification.accounts.models import Member
from gamification.referrals.referrals import record_referral
from tests.builders import new_program, record_purchase_event, unique
from tests.graphql import GraphQLClient
from tests.test_console import signed_in


async def test_the_ambassadors_page_counts_each_referrer_s_referrals(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    program = await new_program(referral_points=500)

    async def member(name: str) -> Member:
        return await register_member(program, f"{unique('m')}@example.com", "a long password", name)

    ann, bob = await member("Ann Referrer"), await member("Bob Referrer")
    ann_friend = await member("Ann's friend")
    await record_referral(program, ann, ann_friend)
    for _ in range(3):
        await record_referral(program, bob, await member("Friend"))
    analyst = await signed_in(http, program.slug, "ANALYST")
    assert "/console/ambassadors" in (await analyst.get("/console/leaderboards")).text
    page = (await analyst.get("/console/ambassadors")).text
    rows = re.findall(
        r'<a href="/console/members/\d+">([^<]+)</a></td>\s*<td class="num">(\d+)', page
    )
    assert rows == [("Bob Referrer", "3"), ("Ann Referrer", "1")]
    # when one of Ann's friends buys, her referral qualifies and she comes first
    later = clock.now() + timedelta(minutes=5)
    with clock.frozen_at(later):
        await record_purchase_event(ann_friend.id, "20.00", occurred_at=later)
    page = (await analyst.get("/console/ambassadors")).text
    rows = re.findall(
        r'<a href="/console/members/\d+">([^<]+)</a></td>\s*<td class="num">(\d+)', page
    )
    assert rows == [("Ann Referrer", "1"), ("Bob Referrer", "3")]
    assert "data-qualified>1<" in page and ">500<" in page
