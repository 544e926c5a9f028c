//! The event loop: one `Event` enum, one `tokio::select!`, effects performed here and nowhere else.
//! Generic over the terminal so tests can drive it headless.

pub mod audit;
mod drill;
mod effects;
mod host;
mod input;
mod shell;

pub use drill::DrillChild;
pub use effects::Context;
pub use host::{CrosstermHost, HeadlessHost, Host};
pub use input::{ChannelInput, Input, TerminalInput};

use stack_core::app::{Action, Effect, State, update};
use stack_core::protocol::docker::DockerUpdate;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// At most ~60 frames a second, however fast events arrive.
const FRAME: Duration = Duration::from_millis(16);
/// Docker updates handled before the next draw check, so a log flood can't starve input.
const DRAIN: usize = 256;

/// Everything that can wake the loop. Another part of the program (a file watcher) sends
/// `Event::Action` through `Context::actions` to reach `update`.
#[derive(Debug)]
pub enum Event {
    Input(crossterm::event::Event),
    Docker(DockerUpdate),
    Action(Action),
    Tick,
}

impl Event {
    fn into_action(self) -> Option<Action> {
        use crossterm::event::Event as Term;
        match self {
            Event::Input(Term::Key(key)) => Some(Action::Key(key)),
            Event::Input(Term::Mouse(mouse)) => Some(Action::Mouse(mouse)),
            Event::Input(Term::Resize(width, height)) => Some(Action::Resize { width, height }),
            Event::Input(_) => None,
            Event::Docker(update) => Some(Action::Docker(update)),
            Event::Action(action) => Some(action),
            Event::Tick => Some(Action::Tick {
                now: chrono::Utc::now(),
            }),
        }
    }
}

/// Handles one event; returns false when the app should stop.
async fn handle<H: Host, I: Input>(
    event: Event,
    state: &mut State,
    host: &mut H,
    input: &mut I,
    context: &Context,
) -> bool {
    let Some(action) = event.into_action() else {
        return true;
    };
    let effects: Vec<Effect> = update(state, action);
    context.perform(effects, state, host, input).await
}

pub async fn run<H: Host, I: Input>(
    state: &mut State,
    host: &mut H,
    input: &mut I,
    mut docker: mpsc::Receiver<DockerUpdate>,
    mut actions: mpsc::Receiver<Action>,
    context: &Context,
) -> std::io::Result<()> {
    let size = host.size()?;
    let startup = update(
        state,
        Action::Resize {
            width: size.0,
            height: size.1,
        },
    );
    if !context.perform(startup, state, host, input).await {
        return Ok(());
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // Armed only while log lines wait in the reorder window, so an idle dashboard never wakes;
    // a whole period from the first held line, so the tails of every container arriving at
    // start are merged before any is released.
    let mut flush_logs_at: Option<Instant> = None;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if state.dirty && last_draw.elapsed() >= FRAME {
            host.draw(state)?;
            state.dirty = false;
            last_draw = Instant::now();
        }
        let next_frame = tokio::time::sleep_until(last_draw + FRAME);
        if state.logs.held() == 0 {
            flush_logs_at = None;
        } else if flush_logs_at.is_none() {
            flush_logs_at = Some(Instant::now() + stack_core::logs::REORDER_TICK);
        }
        let flush_logs = tokio::time::sleep_until(flush_logs_at.unwrap_or(last_draw));
        let event = tokio::select! {
            event = input.next() => match event {
                Some(event) => Event::Input(event),
                None => return Ok(()),
            },
            Some(update) = docker.recv() => Event::Docker(update),
            Some(action) = actions.recv() => Event::Action(action),
            _ = ticker.tick() => Event::Tick,
            () = flush_logs, if flush_logs_at.is_some() => {
                flush_logs_at = None;
                Event::Action(Action::FlushLogs)
            }
            () = next_frame, if state.dirty => continue,
        };
        let draining_docker = matches!(event, Event::Docker(_));
        if !handle(event, state, host, input, context).await {
            return Ok(());
        }
        // Take the rest of a burst before drawing once.
        if draining_docker {
            for _ in 0..DRAIN {
                let Ok(update) = docker.try_recv() else { break };
                if !handle(Event::Docker(update), state, host, input, context).await {
                    return Ok(());
                }
            }
        }
    }
}
