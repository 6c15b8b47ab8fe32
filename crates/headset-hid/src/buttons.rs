//! The call-button logic, pure: the app's call in, the headset's controls in, commands for the
//! app and the lights for the headset out.
//!
//! - Ringing lights the ring LED; the hook button answers; in a call the off-hook LED is on and
//!   the hook button hangs up; the mute button asks the app to toggle mute and the app's mute
//!   state lights the mute LED.
//! - Two kinds of hook switch. An absolute one reports the hook's state and follows the host's
//!   off-hook LED (Poly, and Jabra: a Jabra that is not confirmed with the off-hook LED falls
//!   back on hook about 2 s later, so the lights are written again after every input). Going off
//!   hook while ringing answers, going on hook in a call hangs up; a repeat of the same state
//!   (the headset echoing the LED) does nothing. A relative one (declared Relative in the
//!   descriptor) sends a 1 per press: a press answers or hangs up by the app's call.
//! - A command is acknowledged at once: until the app shows it, the lights and the next button
//!   follow the call the headset asked for (a second press before the app answered hangs up).
//! - Mute: a relative Phone Mute (Poly) sends a 1 per press; an absolute one is a press on its
//!   rise (1 then 0, as WICG/webhid#72 saw on Sennheiser, Jabra and Poly when the host does not
//!   answer). Jabra's absolute Phone Mute instead follows the host's mute LED once answered (the
//!   quirk [`Quirks::mute_follows_light`]): a change of its state that differs from the app's
//!   mute toggles.

/// Jabra (GN Audio) USB vendor id.
pub const JABRA_VENDOR: u16 = 0x0B0E;

use crate::telephony::{Control, ControlValue, Lights, Reporting};

/// The app's call as the headset sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallPhase {
    #[default]
    Idle,
    /// A call rings for the specialist.
    Ringing,
    /// A call is placed, connecting or up: the headset is off hook.
    Active { on_hold: bool },
}

/// What the app shows: its call and its mute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppCall {
    pub phase: CallPhase,
    pub muted: bool,
}

/// What the headset asks the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Answer,
    HangUp,
    ToggleMute,
}

/// What one vendor's headsets do differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quirks {
    /// An absolute Phone Mute that holds the mute state the host confirmed with the mute LED.
    pub mute_follows_light: bool,
}

impl Quirks {
    pub fn for_vendor(vendor_id: u16) -> Quirks {
        Quirks {
            mute_follows_light: vendor_id == JABRA_VENDOR,
        }
    }
}

/// The logic of one connected headset.
#[derive(Debug, Clone, Default)]
pub struct ButtonLogic {
    app: AppCall,
    quirks: Quirks,
    /// The last state of each absolute control; a control not seen yet is taken to be where
    /// the app's call puts it (off hook in a call).
    hook: Option<bool>,
    mute: Option<bool>,
    /// The command sent and not yet reflected by the app: not sent twice.
    pending: Option<Command>,
}

impl ButtonLogic {
    pub fn new(app: AppCall, quirks: Quirks) -> ButtonLogic {
        ButtonLogic {
            app,
            quirks,
            ..ButtonLogic::default()
        }
    }

    pub fn app(&self) -> AppCall {
        self.app
    }

    /// The app's call changed (or was polled): true when the lights must change.
    pub fn set_app(&mut self, app: AppCall) -> bool {
        let before = self.lights();
        if app.phase != self.app.phase {
            self.pending = None;
        }
        self.app = app;
        self.lights() != before
    }

    /// The lights for the app's call, or for the call the headset just asked for while the app
    /// has not shown it yet (the headset's button is acknowledged at once: a Jabra not answered
    /// with the off-hook light goes back on hook).
    pub fn lights(&self) -> Lights {
        let phase = self.phase();
        let active = matches!(phase, CallPhase::Active { .. });
        Lights {
            off_hook: active,
            ring: phase == CallPhase::Ringing,
            mute: active && self.app.muted,
            hold: phase == CallPhase::Active { on_hold: true },
        }
    }

    /// The app's call as the headset's last command will make it.
    fn phase(&self) -> CallPhase {
        match self.pending {
            Some(Command::Answer) => CallPhase::Active { on_hold: false },
            Some(Command::HangUp) => CallPhase::Idle,
            _ => self.app.phase,
        }
    }

    /// One input report's controls: the commands they ask for.
    pub fn on_input(&mut self, values: &[ControlValue]) -> Vec<Command> {
        let mut commands = Vec::new();
        for value in values {
            let command = match value.control {
                Control::HookSwitch => self.hook(*value),
                Control::PhoneMute => self.mute(*value),
                Control::Drop if value.on && self.phase() != CallPhase::Idle => {
                    Some(Command::HangUp)
                }
                _ => None,
            };
            let Some(command) = command else { continue };
            if command == Command::ToggleMute {
                // Every press toggles.
                commands.push(command);
            } else if self.pending != Some(command) && !commands.contains(&command) {
                self.pending = Some(command);
                commands.push(command);
            }
        }
        commands
    }

    fn hook(&mut self, value: ControlValue) -> Option<Command> {
        match value.reporting {
            Reporting::Relative => {
                if !value.on {
                    return None;
                }
                match self.phase() {
                    CallPhase::Ringing => Some(Command::Answer),
                    CallPhase::Active { .. } => Some(Command::HangUp),
                    CallPhase::Idle => None,
                }
            }
            Reporting::Absolute => {
                let phase = self.phase();
                let expected = matches!(phase, CallPhase::Active { .. });
                let before = self.hook.unwrap_or(expected);
                self.hook = Some(value.on);
                if value.on == before {
                    return None;
                }
                match (phase, value.on) {
                    (CallPhase::Ringing, true) => Some(Command::Answer),
                    (CallPhase::Active { .. }, false) => Some(Command::HangUp),
                    _ => None,
                }
            }
        }
    }

    fn mute(&mut self, value: ControlValue) -> Option<Command> {
        let pressed = match value.reporting {
            Reporting::Relative => value.on,
            Reporting::Absolute => {
                let before = self
                    .mute
                    .unwrap_or(self.quirks.mute_follows_light && self.app.muted);
                self.mute = Some(value.on);
                if self.quirks.mute_follows_light {
                    value.on != before && value.on != self.app.muted
                } else {
                    value.on && !before
                }
            }
        };
        (pressed && matches!(self.phase(), CallPhase::Active { .. })).then_some(Command::ToggleMute)
    }
}
