"""Several Lua scripts in one round trip (core.redis.run_scripts), against the real Redis."""

from __future__ import annotations

from redis.asyncio import Redis

from core.redis import ScriptCall, run_scripts

INCR = ScriptCall("return redis.call('INCR', KEYS[1])", ["scripts:n"], [])
ECHO = ScriptCall("return ARGV[1]", [], ["hello"])


async def test_scripts_unknown_to_the_server_are_loaded_and_run_exactly_once(redis: Redis) -> None:
    # given a server that knows no script
    await redis.script_flush()
    # when two scripts run together, then again
    first = await run_scripts(redis, [INCR, ECHO])
    second = await run_scripts(redis, [INCR, ECHO])
    # then each answers in order, and the counting one ran once per call (a NOSCRIPT answer
    # means it did not run: only those calls are sent again)
    assert first == [1, "hello"]
    assert second == [2, "hello"]
    # and after the server forgets its scripts, they are loaded again
    await redis.script_flush()
    assert await run_scripts(redis, [ECHO, INCR]) == ["hello", 3]


async def test_an_error_in_one_script_is_raised_after_the_others_ran(redis: Redis) -> None:
    counting = ScriptCall("return redis.call('INCR', KEYS[1])", ["scripts:m"], [])
    failing = ScriptCall("return redis.call('INCR', KEYS[1])", ["scripts:text"], [])
    await redis.set("scripts:text", "not a number")
    try:
        await run_scripts(redis, [counting, failing])
    except Exception as error:  # the server's error, as redis-py raises it
        assert "not an integer" in str(error)
    else:
        raise AssertionError("the failing script's error was swallowed")
    assert await redis.get("scripts:m") == "1"
