//! The assistant's console: lines the user typed (or Ctrl+C), or a window's buttons, in;
//! messages out, and typed [`Notice`]s for a window that asked for them. The binary wires it to
//! the terminal; the window (`linedesk-assist-window`) and tests drive the channels.

use tokio::sync::mpsc;

use crate::notice::Notice;

/// What the user did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line typed (without its newline).
    Line(String),
    /// Ctrl+C, or the window closed: end the session, if any, and quit.
    Interrupt,
    /// Accept the request being asked (a window's button; `y` on the terminal).
    Accept,
    /// Decline the request being asked (`n` on the terminal).
    Decline,
    /// End the running session (`end` on the terminal).
    End,
    /// Set (`Some`) or clear the session password; taken while waiting for a request.
    SetPassword(Option<String>),
}

pub struct Console {
    input: mpsc::UnboundedReceiver<Input>,
    /// The input ended (stdin closed): only an interrupt could come, and none will.
    closed: bool,
    output: mpsc::UnboundedSender<String>,
    notices: Option<mpsc::UnboundedSender<Notice>>,
}

impl Console {
    /// A console and its far ends: where to send the user's input, where messages come out.
    pub fn channels() -> (
        Console,
        mpsc::UnboundedSender<Input>,
        mpsc::UnboundedReceiver<String>,
    ) {
        let (input_tx, input) = mpsc::unbounded_channel();
        let (output, output_rx) = mpsc::unbounded_channel();
        (
            Console {
                input,
                closed: false,
                output,
                notices: None,
            },
            input_tx,
            output_rx,
        )
    }

    /// Show `line` to the user.
    pub fn say(&self, line: impl Into<String>) {
        // Nobody reading is not an error: the assistant goes on.
        let _ = self.output.send(line.into());
    }

    /// From now on, also send typed [`Notice`]s: their receiver.
    pub fn notices(&mut self) -> mpsc::UnboundedReceiver<Notice> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.notices = Some(tx);
        rx
    }

    /// Tell a window (if one listens) what changed.
    pub(crate) fn notify(&self, notice: Notice) {
        if let Some(notices) = &self.notices {
            let _ = notices.send(notice);
        }
    }

    /// Where messages to the user go, for a task that reports on its own.
    pub(crate) fn output(&self) -> mpsc::UnboundedSender<String> {
        self.output.clone()
    }

    /// The next input; waits for good once the input has closed (a closed stdin must not
    /// quit the assistant or end a session). Cancel-safe.
    pub async fn next(&mut self) -> Input {
        if !self.closed {
            if let Some(input) = self.input.recv().await {
                return input;
            }
            self.closed = true;
        }
        std::future::pending().await
    }
}
