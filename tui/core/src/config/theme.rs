//! Colours, overridable by name or `#rrggbb`; monochrome when `NO_COLOR` is set.

use ratatui_core::style::Color;
use serde::Deserialize;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub healthy: Color,
    pub starting: Color,
    pub unhealthy: Color,
    pub stopped: Color,
    pub accent: Color,
    pub muted: Color,
    pub highlight: Color,
    /// Colours cycled through to tell services apart in the multiplexed log.
    pub services: Vec<Color>,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            color: true,
            healthy: Color::Green,
            starting: Color::Yellow,
            unhealthy: Color::Red,
            stopped: Color::DarkGray,
            accent: Color::Cyan,
            muted: Color::DarkGray,
            highlight: Color::Yellow,
            services: vec![
                Color::Cyan,
                Color::Magenta,
                Color::Blue,
                Color::Green,
                Color::LightYellow,
                Color::LightRed,
            ],
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeOverrides {
    healthy: Option<String>,
    starting: Option<String>,
    unhealthy: Option<String>,
    stopped: Option<String>,
    accent: Option<String>,
    muted: Option<String>,
    highlight: Option<String>,
    services: Option<Vec<String>>,
}

fn parse(field: &str, value: &str) -> Result<Color, String> {
    Color::from_str(value).map_err(|_| {
        format!(
            "theme.{field} = {value:?} is not a colour (use a name like \"red\" or \"#rrggbb\")"
        )
    })
}

impl Theme {
    pub fn monochrome() -> Self {
        Self {
            color: false,
            healthy: Color::Reset,
            starting: Color::Reset,
            unhealthy: Color::Reset,
            stopped: Color::Reset,
            accent: Color::Reset,
            muted: Color::Reset,
            highlight: Color::Reset,
            services: vec![Color::Reset],
        }
    }

    pub fn with(mut self, overrides: &ThemeOverrides) -> Result<Self, String> {
        let slots = [
            ("healthy", &overrides.healthy, &mut self.healthy),
            ("starting", &overrides.starting, &mut self.starting),
            ("unhealthy", &overrides.unhealthy, &mut self.unhealthy),
            ("stopped", &overrides.stopped, &mut self.stopped),
            ("accent", &overrides.accent, &mut self.accent),
            ("muted", &overrides.muted, &mut self.muted),
            ("highlight", &overrides.highlight, &mut self.highlight),
        ];
        for (field, value, slot) in slots {
            if let Some(value) = value {
                *slot = parse(field, value)?;
            }
        }
        if let Some(names) = &overrides.services {
            let colours: Result<Vec<Color>, String> =
                names.iter().map(|name| parse("services", name)).collect();
            let colours = colours?;
            if !colours.is_empty() {
                self.services = colours;
            }
        }
        Ok(self)
    }

    /// A stable colour per service name.
    pub fn service_color(&self, service: &str) -> Color {
        let hash = service.bytes().fold(0usize, |acc, byte| {
            acc.wrapping_mul(31).wrapping_add(byte as usize)
        });
        self.services
            .get(hash % self.services.len().max(1))
            .copied()
            .unwrap_or(Color::Reset)
    }
}
