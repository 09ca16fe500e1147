// What one user may have the providers do: at most AD_QUOTA_PER_30_DAYS videos (ads) created in
// the last 30 days, and at most MAX_ACTIVE_GENERATIONS_PER_USER lyrics, songs and videos queued
// or running at once. Checked inside the transaction that would create the rows, under a
// per-user advisory lock (concurrent calls of one user take turns), so nothing is created —
// and nothing spent — beyond either limit. Retries reuse their row and are not counted as new
// ads (they do count as active). Refusals are QUOTA_EXCEEDED naming the limit.
import type { Config } from "../config.js";
import { AppError, ErrorCode } from "../errors.js";
import type { PrismaClient } from "../db/client.js";
import { ACTIVE, type Tx } from "./stages.js";

export const QUOTA_PERIOD_DAYS = 30;

type Limits = Pick<Config, "AD_QUOTA_PER_30_DAYS" | "MAX_ACTIVE_GENERATIONS_PER_USER">;

export interface Usage {
  adsInPeriod: number;
  adsLimit: number;
  periodDays: number;
  activeGenerations: number;
  activeLimit: number;
}

export async function usageOf(db: Tx | PrismaClient, config: Limits, ownerId: string): Promise<Usage> {
  const since = new Date(Date.now() - QUOTA_PERIOD_DAYS * 24 * 3600 * 1000);
  const mine = { project: { ownerId } };
  const active = { ...mine, status: { in: ACTIVE } };
  const [ads, lyrics, songs, videos] = await Promise.all([
    db.video.count({ where: { ...mine, createdAt: { gt: since } } }),
    db.lyric.count({ where: active }),
    db.song.count({ where: active }),
    db.video.count({ where: active }),
  ]);
  return {
    adsInPeriod: ads,
    adsLimit: config.AD_QUOTA_PER_30_DAYS,
    periodDays: QUOTA_PERIOD_DAYS,
    activeGenerations: lyrics + songs + videos,
    activeLimit: config.MAX_ACTIVE_GENERATIONS_PER_USER,
  };
}

/** Throws QUOTA_EXCEEDED if `rows` more active generations (of which `ads` new videos) would
 *  go over a limit. Call inside the creating transaction. A limit of 0 means unlimited. */
export async function claimAllowance(tx: Tx, config: Limits, ownerId: string, want: { rows: number; ads: number }): Promise<void> {
  if (config.AD_QUOTA_PER_30_DAYS <= 0 && config.MAX_ACTIVE_GENERATIONS_PER_USER <= 0) return; // unlimited
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`allowance:${ownerId}`}, 0))`;
  const u = await usageOf(tx, config, ownerId);
  if (u.adsLimit > 0 && want.ads > 0 && u.adsInPeriod + want.ads > u.adsLimit) {
    throw new AppError(ErrorCode.QUOTA_EXCEEDED, `you have made ${u.adsInPeriod} ads in the last ${u.periodDays} days; the limit is ${u.adsLimit}`, {
      limit: "ads",
      used: u.adsInPeriod,
      max: u.adsLimit,
    });
  }
  if (u.activeLimit > 0 && u.activeGenerations + want.rows > u.activeLimit) {
    throw new AppError(
      ErrorCode.QUOTA_EXCEEDED,
      `${u.activeGenerations} of your generations are queued or running; at most ${u.activeLimit} at a time: wait for some to finish`,
      { limit: "active", used: u.activeGenerations, max: u.activeLimit },
    );
  }
}
