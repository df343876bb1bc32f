// Code a mobile app writes against the generated types: it must compile as it stands.
import type {
  EngagementQuery,
  LogInMutationVariables,
  MeQuery,
  RedeemRewardMutation,
  RewardCardFragment,
} from "./graphql";

export const credentials: LogInMutationVariables = {
  input: { program: "demo", email: "member@demo.example", password: "demo-member-password" },
};

export function balanceLine(data: MeQuery): string {
  const next = data.me.tierProgress.next?.name ?? "top tier";
  const latest = data.me.ledger.edges.map((edge) => `${edge.node.kind} ${edge.node.delta}`);
  return `${data.me.displayName}: ${data.me.pointsBalance} points, next ${next}; ${latest.join(", ")}`;
}

export function redeemable(rewards: RewardCardFragment[], balance: number): string[] {
  return rewards.filter((r) => r.available && r.pointsCost <= balance).map((r) => r.name);
}

export function refusal(data: RedeemRewardMutation): string | null {
  const [first] = data.redeemReward.errors;
  return first ? `${first.code}: ${first.message}` : null;
}

export function myRank(data: EngagementQuery): number | null {
  return data.leaderboard.me?.rank ?? null;
}

// The types say what the schema says: tsc fails if either line below compiles.
// @ts-expect-error a balance is a number of points, not a string
export const balance: MeQuery["me"]["pointsBalance"] = "100";
// @ts-expect-error a refusal's code is one of ErrorCode's values
export const code: RedeemRewardMutation["redeemReward"]["errors"][number]["code"] = "OOPS";
