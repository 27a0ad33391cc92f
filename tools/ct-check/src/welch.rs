//! Welch's t-test over two classes of timing samples, dudect-style: the same test is repeated
//! on samples cropped at several percentiles (long tails are interrupts and cache misses, not
//! the code under test), and the largest |t| is what counts.

/// Running mean and variance (Welford), for one class.
#[derive(Debug, Clone, Copy, Default)]
pub struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    pub fn push(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    pub fn count(&self) -> f64 {
        self.n
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    pub fn variance(&self) -> f64 {
        if self.n < 2.0 {
            0.0
        } else {
            self.m2 / (self.n - 1.0)
        }
    }
}

/// Welch's t statistic between two classes (0 when there is no variance to speak of).
pub fn welch_t(a: &Moments, b: &Moments) -> f64 {
    let se = (a.variance() / a.count() + b.variance() / b.count()).sqrt();
    if se == 0.0 || !se.is_finite() {
        0.0
    } else {
        (a.mean() - b.mean()) / se
    }
}

/// Crop thresholds: the samples below each percentile (computed over both classes together).
pub const CROP_PERCENTILES: [f64; 6] = [0.50, 0.75, 0.90, 0.95, 0.99, 1.0];

/// The largest |t| over the crops, and the crop it came from.
pub fn max_abs_t(samples: &[(u8, u64)]) -> (f64, f64) {
    let mut sorted: Vec<u64> = samples.iter().map(|(_, t)| *t).collect();
    sorted.sort_unstable();
    let mut worst = (0.0f64, 1.0f64);
    for p in CROP_PERCENTILES {
        let idx = ((sorted.len() as f64 - 1.0) * p) as usize;
        let Some(&limit) = sorted.get(idx) else {
            continue;
        };
        let mut classes = [Moments::default(), Moments::default()];
        for (class, t) in samples {
            if *t <= limit {
                if let Some(m) = classes.get_mut(usize::from(*class)) {
                    m.push(*t as f64);
                }
            }
        }
        let t = welch_t(&classes[0], &classes[1]);
        if t.abs() > worst.0.abs() {
            worst = (t, p);
        }
    }
    worst
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn same_distribution_gives_small_t() {
        let mut s = 7;
        let samples: Vec<(u8, u64)> = (0..20_000)
            .map(|i| ((i % 2) as u8, 100 + lcg(&mut s) % 50))
            .collect();
        assert!(max_abs_t(&samples).0.abs() < 4.5);
    }

    #[test]
    fn shifted_distribution_gives_large_t() {
        let mut s = 7;
        let samples: Vec<(u8, u64)> = (0..20_000)
            .map(|i| {
                let class = (i % 2) as u8;
                (class, 100 + lcg(&mut s) % 50 + u64::from(class) * 5)
            })
            .collect();
        assert!(max_abs_t(&samples).0.abs() > 20.0);
    }

    #[test]
    fn welford_matches_textbook() {
        let mut m = Moments::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.push(x);
        }
        assert_eq!(m.mean(), 5.0);
        assert!((m.variance() - 32.0 / 7.0).abs() < 1e-12);
    }
}
