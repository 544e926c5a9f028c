//! A fixed ring of per-second slots: the last [`RING_SECONDS`] seconds of something, in constant
//! memory whatever the rate. A window is read by walking its seconds.

/// The longest window kept (15 minutes).
pub const RING_SECONDS: usize = 900;

#[derive(Debug, Clone)]
pub struct Ring<T> {
    /// `(unix second, value)`; allocated on the first write, so a series that never sees a
    /// sample costs nothing.
    slots: Vec<(i64, T)>,
}

impl<T> Default for Ring<T> {
    fn default() -> Self {
        Self { slots: Vec::new() }
    }
}

impl<T: Default + Clone> Ring<T> {
    /// The slot of `second`, emptied if it held an older second; `None` for a second that has
    /// already left the ring (older than the newest second its slot holds).
    pub fn at(&mut self, second: i64) -> Option<&mut T> {
        if self.slots.is_empty() {
            self.slots = vec![(i64::MIN, T::default()); RING_SECONDS];
        }
        let index = second.rem_euclid(RING_SECONDS as i64) as usize;
        let slot = &mut self.slots[index];
        if slot.0 > second {
            return None;
        }
        if slot.0 < second {
            *slot = (second, T::default());
        }
        Some(&mut slot.1)
    }

    /// The value of `second`, if it is still in the ring.
    pub fn get(&self, second: i64) -> Option<&T> {
        let index = second.rem_euclid(RING_SECONDS as i64) as usize;
        self.slots
            .get(index)
            .filter(|slot| slot.0 == second)
            .map(|slot| &slot.1)
    }

    /// The values of the `seconds` seconds ending with `now` (inclusive), oldest first.
    pub fn window(&self, now: i64, seconds: usize) -> impl Iterator<Item = &T> {
        let seconds = seconds.min(RING_SECONDS) as i64;
        (now - seconds + 1..=now).filter_map(move |second| self.get(second))
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// The seconds each of `columns` sparkline columns covers, for the window of `seconds` ending
/// at `now`, oldest first: runs of equal length, or with more columns than seconds one second
/// each, repeated, so that a wide sparkline has no gaps.
pub fn column_spans(
    now: i64,
    seconds: usize,
    columns: usize,
) -> impl Iterator<Item = std::ops::Range<i64>> {
    let (seconds, columns) = (seconds.max(1), columns.max(1));
    let start = now - seconds as i64 + 1;
    (0..columns).map(move |column| {
        let from = column * seconds / columns;
        let to = ((column + 1) * seconds / columns).max(from + 1);
        start + from as i64..start + to as i64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_the_window_once_or_repeat_seconds_when_wider() {
        let spans: Vec<_> = column_spans(159, 60, 20).collect();
        assert_eq!(spans.first(), Some(&(100..103)));
        assert_eq!(spans.last(), Some(&(157..160)));
        assert_eq!(spans.iter().map(|s| s.end - s.start).sum::<i64>(), 60);
        let wide: Vec<_> = column_spans(159, 60, 120).collect();
        assert_eq!(wide.len(), 120);
        assert!(wide.iter().all(|s| s.end - s.start == 1));
        assert_eq!(
            (wide[0].start, wide[1].start, wide[119].start),
            (100, 100, 159)
        );
    }

    #[test]
    fn a_window_holds_only_its_seconds_and_old_slots_are_reused() {
        let mut ring: Ring<u32> = Ring::default();
        assert!(ring.is_empty());
        for second in 1000..1010 {
            *ring.at(second).expect("in the ring") += 1;
        }
        assert_eq!(ring.window(1009, 5).sum::<u32>(), 5);
        assert_eq!(ring.window(1009, 60).sum::<u32>(), 10);
        // A full turn later the same slots hold new seconds; the old ones are gone.
        let later = 1000 + RING_SECONDS as i64;
        *ring.at(later).expect("new second") += 7;
        assert_eq!(ring.get(1000), None);
        assert_eq!(ring.get(later), Some(&7));
        assert!(ring.at(1001).is_some(), "1001 has not been overwritten yet");
        assert!(ring.at(1000).is_none(), "1000 left the ring");
        assert_eq!(ring.window(later, RING_SECONDS * 2).count(), 10);
    }
}
