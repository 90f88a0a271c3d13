import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api, Status } from "../api";
import { createSettingsStore, type StatusPage } from "./settings";

function fakePage() {
  let visible = true;
  const listeners = new Set<() => void>();
  const page: StatusPage = {
    visible: () => visible,
    onChange: (f) => (listeners.add(f), () => listeners.delete(f)),
  };
  const set = (v: boolean) => {
    visible = v;
    listeners.forEach((f) => f());
  };
  return { page, set };
}

function fakeApi(reachable: () => boolean) {
  let calls = 0;
  const api = {
    Status: async (): Promise<Status> => {
      calls++;
      return { reachable: reachable(), chatModel: "c", embedModel: "e", chatModelInstalled: true, embedModelInstalled: true, url: "", message: "" } as Status;
    },
  } as unknown as Api;
  return { api, calls: () => calls };
}

describe("watchStatus", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("asks the runtime nothing while the window stays open and idle", async () => {
    const { api, calls } = fakeApi(() => true);
    const s = createSettingsStore(api);
    await s.loadStatus();
    const stop = s.watchStatus(fakePage().page);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(calls()).toBe(1);
    stop();
  });

  it("looks again when the window comes back after a while, not when it was away a moment", async () => {
    const { api, calls } = fakeApi(() => true);
    const s = createSettingsStore(api);
    await s.loadStatus();
    const { page, set } = fakePage();
    const stop = s.watchStatus(page);
    set(false);
    set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls()).toBe(1);
    set(false);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls()).toBe(2);
    stop();
  });

  it("retries an unreachable runtime while visible, stops while hidden, and stops once it answers", async () => {
    let up = false;
    const { api, calls } = fakeApi(() => up);
    const s = createSettingsStore(api);
    await s.loadStatus();
    const { page, set } = fakePage();
    const stop = s.watchStatus(page);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls()).toBe(2);
    set(false);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // Coming back after 10 minutes looks once at once.
    set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls()).toBe(3);
    up = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(s.status.value?.reachable).toBe(true);
    const after = calls();
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(calls()).toBe(after);
    stop();
  });
});
