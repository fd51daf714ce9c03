"""`workbench`: the command line for ops and scripting. Commands that report take --json and print
one JSON object; a refused request prints its reason and exits with status 1."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path

import typer

from workbench.errors import WorkbenchError

app = typer.Typer(help="Prototype, police and measure an AI-generated-video social platform.",
                  no_args_is_help=True, add_completion=False)
users_app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
provenance_app = typer.Typer(help="Content Credentials (C2PA) of clip files.", no_args_is_help=True)
app.add_typer(provenance_app, name="provenance")
rights_app = typer.Typer(help="The IP registry: rights holders' characters, marks and styles.", no_args_is_help=True)
app.add_typer(rights_app, name="rights")
opt_out_app = typer.Typer(help="Registry entries (opt-outs).", no_args_is_help=True)
rights_app.add_typer(opt_out_app, name="opt-out")
policy_app = typer.Typer(help="The prompt policy.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
rules_app = typer.Typer(help="Versioned rule sets of the prompt policy: draft, backtest, shadow, activate, discard.",
                        no_args_is_help=True)
policy_app.add_typer(rules_app, name="rules")
moderation_app = typer.Typer(help="Reports and the review queue.", no_args_is_help=True)
app.add_typer(moderation_app, name="moderation")
detect_app = typer.Typer(help="Deepfake detection: the shipped benchmark, its evaluation, the scan's detectors.",
                         no_args_is_help=True)
app.add_typer(detect_app, name="detect")

APP_FILE = Path(__file__).resolve().parents[1] / "app.py"  # streamlit_app.py's pages and the app's HTTP route


def _emit(payload: dict, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload, default=str, sort_keys=True))
    else:
        for key, value in payload.items():
            typer.echo(f"{key}: {value}")


def reports_errors(command):
    """Turn a domain error into its message on stderr (JSON with --json) and exit status 1."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except WorkbenchError as error:
            if kwargs.get("as_json"):
                typer.echo(json.dumps({"error": str(error), "kind": type(error).__name__}))
            else:
                typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None
    return wrapper


@app.command()
@reports_errors
def seed(demo: bool = typer.Option(False, "--demo", help="Build the deterministic demo world."),
         seed_value: int = typer.Option(7, "--seed", help="Seed of the demo world."),
         clips: int = typer.Option(100, "--clips", min=4, max=1000, help="How many clips to render."),
         as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Fill an empty database with the demo world (running it again changes nothing)."""
    if not demo:
        raise typer.BadParameter("only --demo is supported: say `workbench seed --demo`")
    from tqdm import tqdm

    from workbench import open_workbench
    from workbench.demo import seed_demo

    wb = open_workbench()
    with tqdm(total=100, desc="demo world", unit="%", disable=as_json or not sys.stderr.isatty()) as bar:
        def progress(fraction: float, message: str) -> None:
            bar.n = round(fraction * 100)
            bar.set_postfix_str(message)
            bar.refresh()

        counts = seed_demo(wb, seed=seed_value, clips=clips, progress=progress)
    _emit(counts, as_json)


@app.command()
def serve(port: int = typer.Option(8501, help="Port on 127.0.0.1."),
          demo: bool = typer.Option(True, "--demo/--no-demo", help="Seed the demo world first if the database is empty."),
          worker: bool = typer.Option(True, "--worker/--no-worker", help="Also run a job worker for the Create page.")) -> None:
    """Start the Streamlit app on 127.0.0.1, with a job worker beside it. Stopping it (Ctrl+C, or
    SIGTERM from a process manager or a test) stops both."""
    import signal
    import subprocess

    if not APP_FILE.exists():  # the pages are the repository's, not the package's
        typer.echo(f"error: serve runs the app's pages from a source checkout, and {APP_FILE} is not there; "
                   "run it from a clone of the repository", err=True)
        raise typer.Exit(1)
    if demo:
        from workbench import open_workbench
        from workbench.demo import seed_demo

        counts = seed_demo(open_workbench(), progress=lambda f, m: typer.echo(f"[{f:4.0%}] {m}", err=True))
        typer.echo(f"demo world: {counts['users']} users, {counts['clips']} clips", err=True)
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM reaches only this process: it is passed on below
    worker_process = subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker"]) if worker else None
    command = [sys.executable, "-m", "streamlit", "run", str(APP_FILE), "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"]
    typer.echo(f"serving on http://127.0.0.1:{port}", err=True)
    app_process = subprocess.Popen(command)
    try:
        raise typer.Exit(app_process.wait())
    except KeyboardInterrupt:
        app_process.terminate()
        app_process.wait()
    finally:
        if worker_process is not None:
            worker_process.terminate()
            worker_process.wait(timeout=30)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@app.command()
def worker(threads: int = typer.Option(1, min=1, max=16, help="Jobs rendered at once.")) -> None:
    """Take render jobs from the queue until interrupted (SQLite file by default; Redis with
    WORKBENCH_QUEUE_URL=redis://...). It retries jobs whose worker died."""
    import logging

    from workbench import open_workbench

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    wb = open_workbench()
    wb.warm_up_in_background(feeds=False)  # a job taken meanwhile waits for the same loads
    wb.queue.run_worker(workers=threads)


@app.command()
@reports_errors
def generate(prompt: str = typer.Option(..., "--prompt", help="What the clip shows; separate shots with '|'."),
             actor: str = typer.Option(..., "--as", help="The handle of the creator."),
             backend: str = typer.Option("procedural", "--backend", help="procedural or diffusers"),
             model: str = typer.Option(None, "--model", help="diffusers: a hub id or a local pipeline folder"),
             seed: int = typer.Option(None, "--seed"),
             duration: float = typer.Option(4.0, "--duration", help="Seconds."),
             width: int = typer.Option(360, "--width", help="Pixels (even); 9:16 by default."),
             height: int = typer.Option(640, "--height", help="Pixels (even)."),
             remix_of: int = typer.Option(None, "--remix-of", help="The id of the clip to remix."),
             cameo: list[str] = typer.Option([], "--cameo", help="A cameo handle to put in the clip (repeatable)."),
             publish: bool = typer.Option(False, "--publish", help="Publish at once instead of keeping a draft."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Render a clip now and store it as a draft (or published)."""
    from workbench import open_workbench

    wb = open_workbench()
    clip = wb.clips.create(actor, prompt, backend=backend, model=model, seed=seed, duration_s=duration,
                           remix_of=remix_of, publish=publish, cameos=tuple(cameo), size=(width, height),
                           progress=None if as_json else lambda f, m: typer.echo(f"[{f:4.0%}] {m}", err=True))
    from workbench.media.provenance import read_storyboard

    signed = read_storyboard(clip.media_file) or {}
    _emit({"video_id": clip.id, "path": str(clip.media_file), "duration_s": clip.duration_s, "width": clip.width,
           "height": clip.height, "backend": clip.backend, "seed": clip.seed, "status": clip.status,
           "remix_of": clip.remix_parent_id, "cameos": list(cameo), "storyboard": signed.get("storyboard")}, as_json)


@users_app.command("add")
@reports_errors
def users_add(handle: str = typer.Option(..., "--handle"),
              role: str = typer.Option("user", "--role", help="user, reviewer, rights_holder or admin"),
              display_name: str = typer.Option(None, "--name"),
              teen: bool = typer.Option(False, "--teen"),
              region: str = typer.Option("US", "--region"),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Create an account (as the local operator, so any role is allowed)."""
    from workbench import OPERATOR, open_workbench

    user = open_workbench().users.create(OPERATOR, handle, display_name=display_name, role=role, is_teen=teen,
                                         region=region)
    _emit(asdict(user), as_json)


@opt_out_app.command("add")
@reports_errors
def opt_out_add(holder: str = typer.Option(..., "--as", help="The rights holder's handle."),
                name: str = typer.Option(..., "--name"),
                alias: list[str] = typer.Option([], "--alias", help="Another name for it (repeatable)."),
                description: str = typer.Option("", "--description",
                                                help="What it looks like: paraphrases of it are matched too."),
                scope: str = typer.Option("block", "--scope", help="block (never generate) or rules"),
                rules: str = typer.Option("", "--rules", help="For scope 'rules': themes it must never be "
                                          "shown in, comma separated (e.g. 'violence, alcohol')."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Register a character, mark or style in the IP registry."""
    from workbench import open_workbench

    entry = open_workbench().rights.add_opt_out(holder, name, aliases=alias, description=description, scope=scope,
                                                rules=rules)
    _emit(asdict(entry), as_json)


@policy_app.command("check")
@reports_errors
def policy_check(prompt: str = typer.Argument(..., help="The prompt to check."),
                 actor: str = typer.Option(None, "--as", help="Check as this user (their teen profile, "
                                           "region, cameo grants); default: an adult with no grants."),
                 region: str = typer.Option(None, "--region", help="Region code (e.g. US, DE, or EU): "
                                            "overrides the user's."),
                 cameo: list[str] = typer.Option([], "--cameo", help="A cameo the prompt uses (repeatable)."),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """What the prompt policy decides: allow, block or review, with reasons. Records nothing; exits 0
    whatever the decision (read "decision")."""
    from workbench import open_workbench

    decision = open_workbench().prompt_policy.check(actor, prompt, region=region, cameos=cameo)
    _emit(decision.as_dict(), as_json)


@policy_app.command("confirm-figure")
@reports_errors
def policy_confirm_figure(admin: str = typer.Option(..., "--as", help="An admin's handle."),
                          name: str = typer.Option(..., "--name", help="The figure's name in the gazetteer."),
                          cameo: str = typer.Option(..., "--cameo", help="The cameo they enrolled themselves."),
                          as_json: bool = typer.Option(False, "--json")) -> None:
    """Record that a public figure enrolled this cameo themselves (after review): prompts naming them
    are then allowed for whoever their cameo is granted to."""
    from workbench import open_workbench

    open_workbench().prompt_policy.confirm_public_figure(admin, name, cameo)
    _emit({"figure": name, "cameo": cameo.lstrip("@")}, as_json)


ADMIN_OPTION = typer.Option(..., "--as", help="An admin's handle.")


@rules_app.command("list")
@reports_errors
def rules_list(admin: str = ADMIN_OPTION, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every rule set, newest first, with its status."""
    from workbench import open_workbench

    views = open_workbench().rule_sets.rule_sets(admin)
    _emit({"rule_sets": [asdict(view) for view in views]}, as_json)


@rules_app.command("draft")
@reports_errors
def rules_draft(changes: str = typer.Argument(..., help="The changes as JSON, or @FILE (a JSON file), e.g. "
                                              '\'{"themes": {"gambling": "block"}}\'.'),
                admin: str = ADMIN_OPTION,
                note: str = typer.Option("", "--note", help="Why (kept with the rule set and in the audit log)."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Draft a rule set: the changes, written over the active rule set's (themes, theme_words,
    thresholds, registry, public_figures)."""
    from workbench import open_workbench
    from workbench.errors import InvalidInput

    text = Path(changes[1:]).read_text(encoding="utf-8") if changes.startswith("@") else changes
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"the changes are not JSON: {error}") from None
    _emit(asdict(open_workbench().rule_sets.draft(admin, data, note)), as_json)


@rules_app.command("backtest")
@reports_errors
def rules_backtest(rule_set: int = typer.Argument(..., help="The rule set's id."), admin: str = ADMIN_OPTION,
                   labelled: list[str] = typer.Option(["dev"], "--labelled",
                                                      help="A labelled prompt set to score too (repeatable)."),
                   logged_only: bool = typer.Option(False, "--logged-only", help="Only the logged prompts."),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Decide every logged prompt and the labelled sets with the active rule set and this one: what
    would change, by category, with examples."""
    from workbench import open_workbench

    _emit(open_workbench().rule_sets.backtest(admin, rule_set, labelled=() if logged_only else tuple(labelled)), as_json)


@rules_app.command("shadow")
@reports_errors
def rules_shadow(rule_set: int = typer.Argument(..., help="The rule set's id."), admin: str = ADMIN_OPTION,
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Run a backtested draft in shadow: live prompts are decided by it too, logged, never acted on."""
    from workbench import open_workbench

    _emit(asdict(open_workbench().rule_sets.shadow(admin, rule_set)), as_json)


@rules_app.command("shadow-report")
@reports_errors
def rules_shadow_report(rule_set: int = typer.Argument(..., help="The rule set's id."), admin: str = ADMIN_OPTION,
                        as_json: bool = typer.Option(False, "--json")) -> None:
    """The live prompts decided while the rule set ran in shadow, and where it differed."""
    from workbench import open_workbench

    _emit(open_workbench().rule_sets.shadow_report(admin, rule_set), as_json)


@rules_app.command("activate")
@reports_errors
def rules_activate(rule_set: int = typer.Argument(..., help="The rule set's id."), admin: str = ADMIN_OPTION,
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Make a backtested rule set the one that decides (the active one retires)."""
    from workbench import open_workbench

    _emit(asdict(open_workbench().rule_sets.activate(admin, rule_set)), as_json)


@rules_app.command("discard")
@reports_errors
def rules_discard(rule_set: int = typer.Argument(..., help="The rule set's id."), admin: str = ADMIN_OPTION,
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """Drop a draft or a shadow; the active rule set is untouched."""
    from workbench import open_workbench

    _emit(asdict(open_workbench().rule_sets.discard(admin, rule_set)), as_json)


@app.command()
@reports_errors
def feed(actor: str = typer.Option(..., "--as", help="Whose feed."),
         tab: str = typer.Option("for_you", "--tab", help="for_you or following."),
         mood: str = typer.Option(None, "--mood", help="Only clips of this mood (e.g. animals)."),
         steer: str = typer.Option(None, "--steer", help='Free text, e.g. "more animals, less news".'),
         policy: str = typer.Option(None, "--policy", help="connection_first, popularity or non_personalised "
                                    "(default: the person's own; teens always get non_personalised)."),
         limit: int = typer.Option(20, "--limit", min=1, max=100),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """The ranked items of a feed page, each with why it is there and the policy that placed it."""
    from workbench import open_workbench

    items = open_workbench().feed.page(actor, tab, mood=mood, steer=steer, policy=policy, limit=limit)
    _emit({"items": [{"rank": rank, "video_id": item.video.id, "author": item.video.author,
                      "caption": item.video.caption, "moods": list(item.video.moods), "reason": item.reason,
                      "score": item.score, "policy": item.policy}
                     for rank, item in enumerate(items, start=1)]}, as_json)


@app.command()
@reports_errors
def upload(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A video file made elsewhere."),
           actor: str = typer.Option(..., "--as", help="Who uploads it."),
           caption: str = typer.Option("", "--caption"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Upload a clip: it passes the prompt policy (its caption) and the output scan like a generated one."""
    from workbench import open_workbench

    clip = open_workbench().uploads.upload(actor, file, caption=caption)  # its size is checked before it is read
    _emit({"video_id": clip.id, "path": str(clip.media_file), "status": clip.status, "held": clip.held_reason,
           "remix_of": clip.remix_parent_id, "caption": clip.caption, "duration_s": clip.duration_s,
           "width": clip.width, "height": clip.height}, as_json)


def _case(case) -> dict:
    return asdict(case) if case is not None else None


@moderation_app.command("report")
@reports_errors
def moderation_report(video_id: int = typer.Argument(..., help="The clip's id."),
                      actor: str = typer.Option(..., "--as", help="Who reports it."),
                      reason: str = typer.Option(..., "--reason", help="likeness, public_figure, copyright, sexual, "
                                                 "violent, harassment, spam or other."),
                      details: str = typer.Option("", "--details", help="What is wrong, in your words."),
                      as_json: bool = typer.Option(False, "--json")) -> None:
    """Report a clip; the report joins the clip's open case, or opens one."""
    from workbench import open_workbench

    _emit({"case": _case(open_workbench().reports.report(actor, video_id, reason, details))}, as_json)


@moderation_app.command("queue")
@reports_errors
def moderation_queue(actor: str = typer.Option(..., "--as", help="A reviewer's handle."),
                     limit: int = typer.Option(100, "--limit", min=1, max=500),
                     as_json: bool = typer.Option(False, "--json")) -> None:
    """Undecided cases, most severe first, oldest first among equals (claimed ones show who holds them)."""
    from workbench import open_workbench

    _emit({"cases": [_case(c) for c in open_workbench().moderation.queue(actor, limit=limit)]}, as_json)


@moderation_app.command("claim")
@reports_errors
def moderation_claim(actor: str = typer.Option(..., "--as", help="A reviewer's handle."),
                     case_id: int = typer.Option(None, "--case", help="This case instead of the next one."),
                     as_json: bool = typer.Option(False, "--json")) -> None:
    """Claim the next case (or --case) under a lease; "case" is null when the queue is empty. Claiming
    while holding a case renews and returns it."""
    from workbench import open_workbench

    _emit({"case": _case(open_workbench().moderation.claim(actor, case_id))}, as_json)


@moderation_app.command("decide")
@reports_errors
def moderation_decide(case_id: int = typer.Argument(..., help="A case you hold."),
                      actor: str = typer.Option(..., "--as", help="A reviewer's handle."),
                      action: str = typer.Option(..., "--action", help="keep, label_ai, label_satire, age_restrict, "
                                                 "remove, hold_characters, suspend, suspend_account, "
                                                 "suspend_cameo, reverify_cameo or escalate."),
                      reason: str = typer.Option(..., "--reason", help="Why; the people notified read it."),
                      cameo: str = typer.Option(None, "--cameo", help="The clip's cameo that suspend_cameo or "
                                                "reverify_cameo acts on."),
                      as_json: bool = typer.Option(False, "--json")) -> None:
    """Decide a case you hold; the creator, cameo owners and reporters are notified."""
    from workbench import open_workbench

    _emit({"case": _case(open_workbench().moderation.decide(actor, case_id, action, reason, cameo=cameo))}, as_json)


@moderation_app.command("transparency")
@reports_errors
def moderation_transparency(admin: str = ADMIN_OPTION,
                            since: datetime = typer.Option(None, "--since", help="From this date (UTC)."),
                            until: datetime = typer.Option(None, "--until", help="Until this date (UTC); default now."),
                            csv_out: bool = typer.Option(False, "--csv", help="CSV instead of JSON."),
                            as_json: bool = typer.Option(True, "--json", help="JSON (the default).")) -> None:
    """The transparency report: decisions by category and action, appeals and their outcomes, reports
    received, median time to decision."""
    from workbench import open_workbench
    from workbench.safety.transparency import transparency_csv

    utc = lambda moment: moment.replace(tzinfo=timezone.utc) if moment and moment.tzinfo is None else moment  # noqa: E731
    report = open_workbench().moderation.transparency(admin, since=utc(since), until=utc(until))
    typer.echo(transparency_csv(report) if csv_out else json.dumps(report, sort_keys=True), nl=not csv_out)


@moderation_app.command("release")
@reports_errors
def moderation_release(case_id: int = typer.Argument(...),
                       actor: str = typer.Option(..., "--as", help="The holder, or an admin."),
                       as_json: bool = typer.Option(False, "--json")) -> None:
    """Give a claimed case back to the queue undecided."""
    from workbench import open_workbench

    _emit({"case": _case(open_workbench().moderation.release(actor, case_id))}, as_json)


@moderation_app.command("appeal")
@reports_errors
def moderation_appeal(case_id: int = typer.Argument(..., help="The decided case."),
                      actor: str = typer.Option(..., "--as", help="The creator the decision acted against."),
                      statement: str = typer.Option(..., "--statement", help="Why the decision was wrong."),
                      as_json: bool = typer.Option(False, "--json")) -> None:
    """Appeal a decision once; another reviewer decides the appeal."""
    from workbench import open_workbench

    _emit({"case": _case(open_workbench().moderation.appeal(actor, case_id, statement))}, as_json)


@moderation_app.command("audit")
@reports_errors
def moderation_audit(actor: str = typer.Option(..., "--as", help="An admin's handle."),
                     case_id: int = typer.Option(None, "--case", help="Only this case's entries."),
                     action: str = typer.Option(None, "--action", help="Only actions starting with this, e.g. case."),
                     limit: int = typer.Option(200, "--limit", min=1, max=5000),
                     as_json: bool = typer.Option(False, "--json")) -> None:
    """The audit log, newest first (admins only)."""
    from workbench import open_workbench

    entries = open_workbench().moderation.audit_log(actor, target_type="case" if case_id is not None else None,
                                                    target_id=case_id, action=action, limit=limit)
    _emit({"entries": [asdict(e) for e in entries]}, as_json)


@app.command()
@reports_errors
def simulate(users: int = typer.Option(1000, "--users", min=2, help="People in the population."),
             days: int = typer.Option(7, "--days", min=1, max=365),
             policy: str = typer.Option("connection_first", "--policy", help="A ranking policy of the app."),
             seed: int = typer.Option(0, "--seed"),
             out: Path = typer.Option(..., "--out", help="A folder for the logs: views/ (one Parquet file a day), "
                                      "clips, follows, people, targets/ and config.json."),
             exploration: float = typer.Option(0.0, "--exploration", min=0.0, max=1.0,
                                               help="Chance a page is drawn uniformly from its candidates "
                                                    "(epsilon-greedy); views log their propensity."),
             target_policies: list[str] = typer.Option([], "--target-policy",
                                                       help="Log this policy's pages too (off-policy evaluation); repeatable."),
             calibrate_from: str | None = typer.Option(None, "--calibrate-from",
                                                       help="Fit the watch model to this workbench database's own watch "
                                                            "events first (a URL or SQLite file); prints the fit per figure."),
             backend: str = typer.Option("local", "--backend", help="local, or ray (a running Ray cluster, "
                                         "or a local one); the result is the same"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Simulate a population on the feed, ranked by the app's own rules; writes Parquet event logs
    as it goes. A progress bar goes to stderr."""
    from tqdm import tqdm

    from workbench.errors import InvalidInput
    from workbench.simulation import SimulationConfig
    from workbench.simulation import simulate as run_simulation

    calibration = None
    if calibrate_from is not None:
        from workbench.simulation.calibration import calibrate_from as fit_to

        try:
            calibration = fit_to(calibrate_from)
        except ValueError as error:
            raise InvalidInput(str(error)) from None
    config = SimulationConfig(users=users, days=days, policy=policy, seed=seed, exploration=exploration,
                              target_policies=tuple(dict.fromkeys(target_policies)),
                              **({"behaviour": calibration.behaviour} if calibration else {}))
    with tqdm(total=days, desc="simulating", unit="day", file=sys.stderr, disable=None) as bar:
        try:
            run = run_simulation(config, progress=lambda fraction, message: bar.update(1), backend=backend, out=out)
        except ValueError as error:
            raise InvalidInput(str(error)) from None
    _emit({"out": str(out), "users": users, "days": days, "policy": policy, "seed": seed,
           "views": run.count("views"), "clips": run.count("clips"), "follows": run.count("follows"),
           "calibration": calibration.report() if calibration else "the default watch model (fitted to published figures)"},
          as_json)


@app.command("ope")
@reports_errors
def off_policy(source: str = typer.Argument(..., help="A folder written by `workbench simulate`, or a database URL "
                                            "whose feed explored (WORKBENCH_FEED_EXPLORATION)."),
               target: str = typer.Option(..., "--target", help="The ranking policy to evaluate."),
               metric: str = typer.Option("completion", "--metric", help="completion or watch_ratio, per shown clip."),
               estimator: str = typer.Option("snips", "--estimator", help="ips, snips (self-normalised) or dr "
                                             "(doubly robust; simulator logs only)."),
               seed: int = typer.Option(0, "--seed", help="Seeds the bootstrap."),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Off-policy evaluation: what the target policy would have earned on the logged pages, with a
    95 % bootstrap interval over pages."""
    from workbench import OPERATOR, open_workbench
    from workbench.errors import InvalidInput
    from workbench.simulation.off_policy import evaluate

    logs: str | object = source
    if "://" in source:  # a database: the views its exploring feed logged
        wb = open_workbench(source)
        try:
            logs = wb.analytics.logged_pages(OPERATOR)
        finally:
            wb.close()
    try:
        estimate = evaluate(logs, target, metric=metric, estimator=estimator, seed=seed)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    _emit(estimate.as_dict(), as_json)


@app.command("metrics")
@reports_errors
def metrics_command(folder: Path = typer.Argument(..., exists=True, file_okay=False,
                                                  help="A folder written by `workbench simulate`."),
                    as_json: bool = typer.Option(False, "--json")) -> None:
    """Every metric of workbench.metrics over a run's event logs (read with DuckDB), in one object."""
    from workbench.metrics import summary
    from workbench.simulation import read_logs

    tables = read_logs(folder)
    _emit(summary(tables["views"], tables["clips"], tables["follows"]), as_json)


def _benchmark_data(clips: int, seed: int, people: str, frames: int, workers: int, label: str):
    """The shipped benchmark with its tracks, progress bars on stderr."""
    from tqdm import tqdm

    from workbench.safety.deepfake.benchmark import BenchmarkConfig
    from workbench.safety.deepfake.harness import shipped_benchmark

    config = BenchmarkConfig(clips_per_person=clips, seed=seed,
                             people=tuple(name.strip() for name in people.split(",") if name.strip()))
    with tqdm(desc=f"{label}: rendering", unit="clip", file=sys.stderr, disable=None) as bar:
        videos = shipped_benchmark(config, workers=workers, progress=lambda done, total: _advance(bar, done, total))
    return config, _tracked(videos, frames, workers, label)


def _benchmark_described(config) -> dict:
    return {"clips_per_person": config.clips_per_person, "seed": config.seed, "people": list(config.filmed()),
            "key": config.key()}


def _tracked(videos, frames: int, workers: int, label: str):
    from tqdm import tqdm

    from workbench.safety.deepfake.harness import with_tracks

    with tqdm(desc=f"{label}: face tracks", unit="video", file=sys.stderr, disable=None) as bar:
        return with_tracks(videos, frames=frames, workers=workers,
                           progress=lambda done, total: _advance(bar, done, total))


def _advance(bar, done: int, total: int) -> None:
    bar.total = total
    bar.update(done - bar.n)


@detect_app.command("eval")
@reports_errors
def detect_eval(dataset: Path = typer.Option(None, "--dataset", help="A FaceForensics++, Celeb-DF or DFDC "
                                             "folder; default: the shipped benchmark"),
                detector: list[str] = typer.Option(None, "--detector", help="frequency, blending, temporal, "
                                                   "self_blended (repeat; default: all)"),
                frames: int = typer.Option(8, "--frames", min=2, max=128, help="Frames per video (DeepfakeBench: 32)."),
                clips: int = typer.Option(10, "--clips", min=1, max=100, help="Shipped benchmark: camera clips "
                                          "per person (and as many fakes per method)."),
                seed: int = typer.Option(0, "--seed", help="Shipped benchmark: its seed."),
                people: str = typer.Option("", "--people", help="Shipped benchmark: only these identities "
                                           "(comma-separated; default: everyone)."),
                calibration: str = typer.Option("platt", "--calibration", help="platt or isotonic: how scores "
                                                "become probabilities (fitted on held-out videos)."),
                robustness: bool = typer.Option(True, "--robustness/--no-robustness", help="Also test on "
                                                "re-compressed (CRF 35, 45), downscaled and noisy copies of the "
                                                "test videos (made once, then cached)."),
                workers: int = typer.Option(2, "--workers", min=1, max=64, help="Processes for face tracks."),
                save: Path = typer.Option(None, "--save", help="Also save each detector as trained on every "
                                          "method (the self-blended one on real clips), calibrated, with its "
                                          "figures, as SAVE/NAME.json: what `detect train` writes, from this run."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Train and test the detectors by DeepfakeBench's protocol: frame- and video-level AUC, EER and
    AP, in-method and cross-method (and, on a data set folder, cross-dataset: trained on the shipped
    benchmark); each detector's calibration error and reliability diagram on held-out videos, and its
    AUC under perturbations. Progress goes to stderr."""
    from workbench.errors import InvalidInput
    from workbench.metrics.calibration import METHODS
    from workbench.safety.deepfake.detectors import DETECTORS
    from workbench.safety.deepfake.evaluation import evaluate
    from workbench.safety.deepfake.harness import dataset_videos, perturbed_tests, save_detectors

    names = detector or list(DETECTORS)
    unknown = sorted(set(names) - set(DETECTORS))
    if unknown:
        raise InvalidInput(f"unknown detector {', '.join(unknown)}; known: {', '.join(DETECTORS)}")
    if calibration not in METHODS:
        raise InvalidInput(f"unknown calibration {calibration!r}; known: {', '.join(METHODS)}")
    try:
        # a data set folder is read first: a wrong path is reported before the benchmark is built (minutes)
        listed = None if dataset is None else dataset_videos(dataset)
        config, shipped = _benchmark_data(clips, seed, people, frames, workers, "shipped benchmark")
        data = shipped if listed is None else _tracked(listed, frames, workers, dataset.name)
        perturbed = perturbed_tests(data, workers=workers) if robustness else None
        fitted: dict = {}
        report = evaluate(data, names, reference=None if dataset is None else shipped, perturbed=perturbed,
                          calibration=calibration, dataset="shipped" if dataset is None else data.videos[0].dataset,
                          fitted=fitted, progress=lambda message: typer.echo(message, err=True))
    except (ValueError, FileNotFoundError) as error:
        raise InvalidInput(str(error)) from None
    report["benchmark"] = _benchmark_described(config)
    if save is not None:
        trained_on = {"benchmark": report["benchmark"]} if dataset is None else {"dataset": str(dataset)}
        save_detectors(fitted, report, save, frames_per_video=frames, **trained_on)
    if as_json:
        _emit(report, True)
        return
    for name, protocols in report["summary"].items():
        typer.echo(f"{name}: " + ", ".join(f"{protocol} {auc:.3f}" for protocol, auc in protocols.items())
                   + (f", calibration error {report['calibration'][name]['ece']:.3f}" if name in report["calibration"] else ""))
    for row in report["robustness"]:
        auc = f"{row['video_auc']:.3f}" if row["video_auc"] is not None else "n/a"
        typer.echo(f"{row['detector']} under {row['perturbation']}: video AUC {auc}")


@detect_app.command("train")
@reports_errors
def detect_train(out: Path = typer.Option(None, "--out", help="Folder for NAME.json; default: the "
                                          "repository's data/detectors, which the output scan loads"),
                 clips: int = typer.Option(10, "--clips", min=1, max=100),
                 seed: int = typer.Option(0, "--seed"),
                 people: str = typer.Option("", "--people", help="Shipped benchmark: only these identities "
                                            "(comma-separated; default: everyone)."),
                 frames: int = typer.Option(8, "--frames", min=2, max=128),
                 workers: int = typer.Option(2, "--workers", min=1, max=64),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Fit every detector on the shipped benchmark's train split (all methods; the self-blended one on
    its real clips only), calibrate each on held-out clips and save them with their measured figures:
    the detectors the output scan chooses from (data/detectors/ in the repository)."""
    from workbench.errors import InvalidInput
    from workbench.safety.deepfake.harness import SHIPPED_DETECTORS, train_detectors

    out = out or SHIPPED_DETECTORS
    try:
        config, shipped = _benchmark_data(clips, seed, people, frames, workers, "shipped benchmark")
    except (ValueError, FileNotFoundError) as error:
        raise InvalidInput(str(error)) from None
    fitted, report = train_detectors(shipped, out_dir=out, benchmark=_benchmark_described(config),
                                     frames_per_video=frames)
    _emit({"out": str(out), "detectors": sorted(fitted), "summary": report["summary"],
           "calibration_error": {name: row["ece"] for name, row in report["calibration"].items()}}, as_json)


@provenance_app.command("verify")
def provenance_verify(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An mp4 file."),
                      trust: Path = typer.Option(None, "--trust", help="A root certificate (PEM) to trust; "
                                                 "default: this workbench's own signing root, if it has one"),
                      as_json: bool = typer.Option(False, "--json")) -> None:
    """Read and validate a file's C2PA manifest: is it AI-generated, by whom, and is it intact?
    Exits 0 only when the manifest is intact and its signer chains to a trusted root: a manifest signed
    with anyone else's key can claim any author, so it exits 1 too (with what it claims)."""
    from workbench.config import Settings
    from workbench.media.provenance import credentials_in, verify

    if trust is None:
        own_root = credentials_in(Settings().provenance_dir()).root_cert
        trust = own_root if own_root.exists() else None
    report = verify(file, trust_anchors=trust)
    _emit(report, as_json)
    if report["state"] == "Valid":
        typer.echo(f"error: the manifest is intact but its signer is not trusted here; the author it names "
                   f"({report['author']}) is a claim, not a fact", err=True)
    if not report["trusted"]:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
