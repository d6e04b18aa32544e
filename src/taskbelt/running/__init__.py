"""How a run goes: the plan of sessions, the orchestrator that runs them in parallel
behind the verdict cache, and one session run in its environment."""
