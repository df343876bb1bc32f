"""The brand console at /console: a web app in which a brand team runs its program.

Pages are rendered on the server from Jinja templates (templates/), with htmx (an npm package,
api/console/package.json) for the few parts that update in place. Every figure and every change
goes through the GraphQL API, with the signed-in user's own session (gateway.py): the console is
one more staff client, so the API decides what each role may do. docs/console.md says why this
stack and how the pieces fit.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from api.console import (
    account,
    api_keys,
    audit,
    badges,
    challenges,
    contests,
    dashboard,
    earning_rules,
    engagement,
    games,
    leaderboards,
    members,
    membership_plans,
    program_settings,
    rewards,
    segments,
    simulations,
    staff_users,
    tiers,
    webhooks,
)
from api.console.assets import asset


async def _home(request: object) -> Response:
    return RedirectResponse("/console/", status_code=307)


def routes() -> list[BaseRoute]:
    get, post, both = ["GET"], ["POST"], ["GET", "POST"]
    return [
        Route("/console", _home, methods=get),
        Mount(
            "/console",
            routes=[
                Route("/", dashboard.dashboard, methods=get),
                Route("/sign-in", account.sign_in, methods=both),
                Route("/sign-out", account.sign_out, methods=post),
                Route("/password", account.password, methods=both),
                Route("/language", account.language, methods=post),
                Route("/members", members.member_list, methods=get),
                Route("/members.csv", members.members_csv, methods=get),
                Route("/members/{id}", members.member_page, methods=get),
                Route("/members/{id}/data.json", members.member_data, methods=get),
                Route("/members/{id}/{action}", members.member_action, methods=post),
                Route("/earning-rules", earning_rules.rule_list, methods=get),
                Route("/earning-rules/new", earning_rules.new_rule, methods=both),
                Route("/earning-rules/{id}", earning_rules.edit_rule, methods=both),
                Route("/earning-rules/{id}/archive", earning_rules.archive_rule, methods=post),
                Route("/vip-plans", membership_plans.plan_list, methods=get),
                Route("/vip-plans/new", membership_plans.new_plan, methods=both),
                Route("/vip-plans/{id}", membership_plans.edit_plan, methods=both),
                Route("/vip-plans/{id}/archive", membership_plans.archive_plan, methods=post),
                Route("/badges", badges.badge_list, methods=get),
                Route("/badges/new", badges.new_badge, methods=both),
                Route("/badges/{id}", badges.edit_badge, methods=both),
                Route("/badges/{id}/archive", badges.archive_badge, methods=post),
                Route("/challenges", challenges.challenge_list, methods=get),
                Route("/challenges/new", challenges.new_challenge, methods=both),
                Route("/challenges/{id}", challenges.edit_challenge, methods=both),
                Route("/challenges/{id}/archive", challenges.archive_challenge, methods=post),
                Route("/rewards", rewards.reward_list, methods=get),
                Route("/rewards/new", rewards.new_reward, methods=both),
                Route("/rewards/{id}", rewards.edit_reward, methods=both),
                Route("/rewards/{id}/archive", rewards.archive_reward, methods=post),
                Route("/contests", contests.contest_list, methods=get),
                Route("/contests/new", contests.new_contest, methods=both),
                Route("/contests/{id}", contests.contest_page, methods=get),
                Route("/contests/{id}/edit", contests.edit_contest, methods=both),
                Route("/contests/{id}/status", contests.contest_status, methods=get),
                Route("/contests/{id}/draw.json", contests.draw_record, methods=get),
                Route("/contests/{id}/{action}", contests.contest_action, methods=post),
                Route("/report.csv", dashboard.report_csv, methods=get),
                Route("/live-token", dashboard.live_token, methods=get),
                Route("/segments", segments.segment_page, methods=get),
                Route("/segments/status", segments.segment_status, methods=get),
                Route("/segments/compute", segments.compute, methods=post),
                Route("/simulations", simulations.simulation_list, methods=get),
                Route("/simulations/new", simulations.new_simulation, methods=both),
                Route("/simulations/compare", simulations.compare, methods=get),
                Route("/simulations/{id:int}.csv", simulations.simulation_csv, methods=get),
                Route("/simulations/{id:int}", simulations.simulation_page, methods=get),
                Route("/simulations/{id:int}/status", simulations.simulation_status, methods=get),
                Route("/simulations/{id:int}/cancel", simulations.cancel_simulation, methods=post),
                Route("/leaderboards", leaderboards.leaderboard, methods=get),
                Route("/ambassadors", leaderboards.ambassadors, methods=get),
                Route("/settings", program_settings.program_settings, methods=both),
                Route("/staff", staff_users.staff_list, methods=get),
                Route("/staff/new", staff_users.create_staff, methods=post),
                Route("/staff/{id}/{action}", staff_users.staff_action, methods=post),
                Route("/audit", audit.trail, methods=get),
                Route("/auctions", engagement.auction_list, methods=get),
                Route("/auctions/new", engagement.new_auction, methods=both),
                Route("/auctions/{id}", engagement.edit_auction, methods=both),
                Route("/auctions/{id}/archive", engagement.archive_auction, methods=post),
                Route("/actions", engagement.action_type_list, methods=get),
                Route("/actions/new", engagement.new_action_type, methods=both),
                Route("/actions/{id}", engagement.edit_action_type, methods=both),
                Route("/actions/{id}/archive", engagement.archive_action_type, methods=post),
                Route("/api-keys", api_keys.key_list, methods=get),
                Route("/api-keys/new", api_keys.create_key, methods=post),
                Route("/api-keys/{id}/revoke", api_keys.revoke_key, methods=post),
                Route("/tiers", tiers.tier_list, methods=get),
                Route("/tiers/new", tiers.new_tier, methods=both),
                Route("/tiers/{id}", tiers.edit_tier, methods=both),
                Route("/tiers/{id}/archive", tiers.archive_tier, methods=post),
                Route("/games", games.game_list, methods=get),
                Route("/games/new", games.new_game, methods=both),
                Route("/games/{id}", games.game_page, methods=get),
                Route("/games/{id}/edit", games.edit_game, methods=both),
                Route("/games/{id}/archive", games.archive_game, methods=post),
                Route("/webhooks", webhooks.webhook_list, methods=get),
                Route("/webhooks/new", webhooks.create_webhook, methods=post),
                Route("/webhooks/{id}/{action}", webhooks.webhook_action, methods=post),
                Route("/files/{name}", asset, methods=["GET", "HEAD"]),
            ],
        ),
    ]
