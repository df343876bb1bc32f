"""memberData (ADMIN): a member's right-of-access export, asked of the brand: the document the
member's own exportMyData answers; never a member of another program."""

from __future__ import annotations

from tests.builders import new_program, sign_up, staff_client
from tests.graphql import GraphQLClient

MEMBER_DATA = "query($id: ID!) { memberData(id: $id) }"
MY_DATA = "query { exportMyData }"


async def test_an_admin_exports_what_the_member_would_export_themselves(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    admin = await staff_client(gql, program)
    member = await sign_up(gql, program, display_name="Right Of Access")
    theirs = (await member.client.query(MY_DATA))["exportMyData"]
    ours = (await admin.query(MEMBER_DATA, {"id": str(member.id)}))["memberData"]
    theirs.pop("exported_at")
    ours.pop("exported_at")
    assert ours == theirs
    assert "Right Of Access" in str(ours)


async def test_a_member_of_another_program_is_not_found(gql: GraphQLClient) -> None:
    admin = await staff_client(gql, await new_program())
    stranger = await sign_up(gql, await new_program())
    code = await admin.error_code(MEMBER_DATA, {"id": str(stranger.id)})
    assert code == "MEMBER_NOT_FOUND"
