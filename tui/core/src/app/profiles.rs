//! The profiles panel: which profiles exist, whether they run, and on which port.

use crate::model::Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileState {
    Unknown,
    Up,
    Partly,
    Down,
}

impl ProfileState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Unknown => "?",
            Self::Up => "up",
            Self::Partly => "partly up",
            Self::Down => "down",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileEntry {
    pub name: String,
    pub project: String,
    /// Published host ports from the profile's compose model, once it is loaded.
    pub ports: Vec<String>,
    /// Services the model defines, to tell "up" from "partly up".
    pub expected: Option<usize>,
    pub running: usize,
    pub total: usize,
    pub counted: bool,
}

impl ProfileEntry {
    pub fn new(name: &str, project: &str) -> Self {
        Self {
            name: name.to_string(),
            project: project.to_string(),
            ports: Vec::new(),
            expected: None,
            running: 0,
            total: 0,
            counted: false,
        }
    }

    pub fn from_profile(profile: &Profile) -> Self {
        Self::new(&profile.name, &profile.project)
    }

    pub fn state(&self) -> ProfileState {
        if !self.counted {
            return ProfileState::Unknown;
        }
        let expected = self.expected.unwrap_or(self.total).max(1);
        match self.running {
            0 => ProfileState::Down,
            running if running >= expected && running == self.total => ProfileState::Up,
            _ => ProfileState::Partly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_follows_running_counts() {
        let cases = [
            // (counted, expected, running, total, state)
            (false, None, 0, 0, ProfileState::Unknown),
            (true, Some(4), 0, 0, ProfileState::Down),
            (true, Some(4), 0, 4, ProfileState::Down),
            (true, Some(4), 2, 4, ProfileState::Partly),
            (true, Some(4), 4, 4, ProfileState::Up),
            (true, Some(4), 3, 3, ProfileState::Partly),
            (true, None, 2, 2, ProfileState::Up),
        ];
        for (counted, expected, running, total, state) in cases {
            let entry = ProfileEntry {
                counted,
                expected,
                running,
                total,
                ..ProfileEntry::new("p", "x-p")
            };
            assert_eq!(
                entry.state(),
                state,
                "{counted} {expected:?} {running}/{total}"
            );
        }
    }
}
