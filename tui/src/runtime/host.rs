//! The terminal the loop draws on: the real one (crossterm) or a headless test backend.

use crate::ui;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::backend::{Backend, TestBackend};
use ratatui::{DefaultTerminal, Terminal};
use stack_core::app::State;
use std::io;

pub trait Host {
    fn draw(&mut self, state: &State) -> io::Result<()>;
    fn size(&self) -> io::Result<(u16, u16)>;
    /// Hand the terminal to a child process.
    fn suspend(&mut self) -> io::Result<()>;
    /// Take it back and redraw everything.
    fn resume(&mut self) -> io::Result<()>;
    fn interactive(&self) -> bool;
    /// Put text on the clipboard: OSC 52 to the terminal, which hands it to the system's
    /// clipboard (also through ssh; tmux needs `set -g set-clipboard on`).
    fn copy(&mut self, text: &str) -> io::Result<()>;
}

pub struct CrosstermHost {
    terminal: DefaultTerminal,
}

impl CrosstermHost {
    /// Enters raw mode and the alternate screen; `ratatui::init` also restores them on panic.
    pub fn start() -> io::Result<Self> {
        let terminal = ratatui::try_init()?;
        crossterm::execute!(io::stdout(), EnableMouseCapture)?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
            previous(info);
        }));
        Ok(Self { terminal })
    }

    pub fn stop(self) {
        let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

impl Host for CrosstermHost {
    fn draw(&mut self, state: &State) -> io::Result<()> {
        self.terminal.draw(|frame| ui::draw(frame, state)).map(drop)
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        let size = self.terminal.size()?;
        Ok((size.width, size.height))
    }

    fn suspend(&mut self) -> io::Result<()> {
        crossterm::execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen)?;
        disable_raw_mode()
    }

    fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        crossterm::execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Clear(ClearType::All)
        )?;
        // Forget both frames so the next draw paints every cell. Not `Terminal::clear`: it asks
        // the terminal for the cursor position, and the answer can be lost to the input reader
        // (the draw then failed and the screen stayed blank).
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        Ok(())
    }

    fn interactive(&self) -> bool {
        true
    }

    fn copy(&mut self, text: &str) -> io::Result<()> {
        crossterm::execute!(
            io::stdout(),
            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
        )
    }
}

/// A headless terminal of fixed size for tests.
pub struct HeadlessHost {
    pub terminal: Terminal<TestBackend>,
    pub frames: usize,
    /// What was put on the clipboard, in order.
    pub copied: Vec<String>,
    /// The text of the last frame drawn, for whoever drives the loop to wait on.
    screen: tokio::sync::watch::Sender<String>,
}

impl HeadlessHost {
    pub fn new(width: u16, height: u16) -> Self {
        Self {
            terminal: Terminal::new(TestBackend::new(width, height))
                .unwrap_or_else(|never| match never {}),
            frames: 0,
            copied: Vec::new(),
            screen: tokio::sync::watch::Sender::new(String::new()),
        }
    }

    /// Follows the frames as they are drawn (their text, row after row).
    pub fn screens(&self) -> tokio::sync::watch::Receiver<String> {
        self.screen.subscribe()
    }
}

impl Host for HeadlessHost {
    fn draw(&mut self, state: &State) -> io::Result<()> {
        self.frames += 1;
        self.terminal
            .draw(|frame| ui::draw(frame, state))
            .map_err(|err| io::Error::other(err.to_string()))?;
        let text: String = self
            .terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|cell| cell.symbol())
            .collect();
        self.screen.send_replace(text);
        Ok(())
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        let size = self
            .terminal
            .backend()
            .size()
            .map_err(|err| io::Error::other(err.to_string()))?;
        Ok((size.width, size.height))
    }

    fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn resume(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn interactive(&self) -> bool {
        false
    }

    fn copy(&mut self, text: &str) -> io::Result<()> {
        self.copied.push(text.to_string());
        Ok(())
    }
}
