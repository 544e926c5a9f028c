//! Terminal input as a stream that can be paused while a child process owns the terminal.

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc;

pub trait Input {
    /// The next event; `None` when input has ended.
    fn next(&mut self) -> impl Future<Output = Option<Event>>;
    /// Stop reading (an interactive child process needs stdin).
    fn pause(&mut self);
    fn resume(&mut self);
}

#[derive(Default)]
pub struct TerminalInput {
    stream: Option<EventStream>,
}

impl TerminalInput {
    pub fn new() -> Self {
        Self {
            stream: Some(EventStream::new()),
        }
    }
}

impl Input for TerminalInput {
    async fn next(&mut self) -> Option<Event> {
        let Some(stream) = self.stream.as_mut() else {
            return std::future::pending().await;
        };
        match stream.next().await {
            Some(Ok(event)) => Some(event),
            Some(Err(err)) => {
                tracing::warn!(%err, "terminal input error");
                None
            }
            None => None,
        }
    }

    fn pause(&mut self) {
        self.stream = None;
    }

    fn resume(&mut self) {
        self.stream = Some(EventStream::new());
    }
}

/// Input fed by a test through a channel.
pub struct ChannelInput {
    receiver: mpsc::Receiver<Event>,
}

impl ChannelInput {
    pub fn new(receiver: mpsc::Receiver<Event>) -> Self {
        Self { receiver }
    }
}

impl Input for ChannelInput {
    async fn next(&mut self) -> Option<Event> {
        self.receiver.recv().await
    }

    fn pause(&mut self) {}

    fn resume(&mut self) {}
}
