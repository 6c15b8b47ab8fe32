//! The assistant's console: lines the user typed (or Ctrl+C) in, messages out. The binary
//! wires it to the terminal; tests and an embedding app drive the channels.

use tokio::sync::mpsc;

/// What the user did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line typed (without its newline).
    Line(String),
    /// Ctrl+C: end the session, if any, and quit.
    Interrupt,
}

pub struct Console {
    input: mpsc::UnboundedReceiver<Input>,
    /// The input ended (stdin closed): only an interrupt could come, and none will.
    closed: bool,
    output: mpsc::UnboundedSender<String>,
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
