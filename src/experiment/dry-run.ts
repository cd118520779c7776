import { runFolderState, selectRuns, type RunFolderState } from './experiment.js';
import type { ExperimentPlan } from './plan.js';

/** What a plan would do: its selected runs, each with what it is and where its folder stands. */
export interface PlanDryRun {
  plan: string;
  out: string;
  evalSplit: string;
  runs: ({
    name: string;
    dir: string;
    head: string;
    preset: string;
    variant?: string;
    input: string;
    detector?: string;
    seed: number;
    groups: string[];
  } & RunFolderState)[];
}

/** The runs `only` selects (run or group names; default all) and their folders' states. */
export async function dryRunPlan(
  plan: ExperimentPlan,
  only?: readonly string[],
): Promise<PlanDryRun> {
  const selected = selectRuns(plan, only);
  const states = await Promise.all(selected.map((r) => runFolderState(plan, r)));
  return {
    plan: plan.name,
    out: plan.out,
    evalSplit: plan.evalSplit,
    runs: selected.map((r, i) => ({
      name: r.name,
      dir: r.dir,
      head: r.head,
      preset: r.preset,
      variant: r.variant,
      input: r.input.name,
      detector: r.input.detector,
      seed: r.seed,
      groups: r.groups,
      ...states[i],
    })),
  };
}
