//! Demand classification by the Syntetos–Boylan–Croston scheme: the average inter-demand
//! interval (ADI) and the squared coefficient of variation of the nonzero sizes (CV²), cut at
//! ADI 1.32 and CV² 0.49, exactly as the benchmark harness's `sbc_classes` computes them (over
//! the history from the first nonzero week, population standard deviation).

use serde::{Deserialize, Serialize};

/// ADI at or above which demand is intermittent.
pub const ADI_CUT: f64 = 1.32;
/// CV² at or above which sizes are erratic.
pub const CV2_CUT: f64 = 0.49;

/// The four SBC classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandClass {
    Smooth,
    Erratic,
    Intermittent,
    Lumpy,
}

impl DemandClass {
    pub const ALL: [DemandClass; 4] = [DemandClass::Smooth, DemandClass::Erratic, DemandClass::Intermittent, DemandClass::Lumpy];

    /// A dense index (0..4) for per-class tables.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DemandClass::Smooth => "smooth",
            DemandClass::Erratic => "erratic",
            DemandClass::Intermittent => "intermittent",
            DemandClass::Lumpy => "lumpy",
        }
    }
}

/// ADI, CV² and the class of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub adi: f64,
    pub cv2: f64,
    pub class: DemandClass,
}

/// Classifies `y` (weekly demand, oldest first). Leading zeros are ignored; a series without a
/// nonzero week has ADI = ∞ and is intermittent.
pub fn classify(y: &[f64]) -> Profile {
    let Some(first) = y.iter().position(|&v| v != 0.0) else {
        return Profile { adi: f64::INFINITY, cv2: 0.0, class: DemandClass::Intermittent };
    };
    let span = &y[first..];
    let sizes = || span.iter().copied().filter(|v| *v != 0.0);
    let n = sizes().count();
    let adi = span.len() as f64 / n as f64;
    let cv2 = if n > 1 {
        // Two passes, as numpy's std, so a series on a cut-off classifies as the harness does.
        let mean = sizes().sum::<f64>() / n as f64;
        let var = sizes().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        var / (mean * mean)
    } else {
        0.0
    };
    let class = match (adi >= ADI_CUT, cv2 >= CV2_CUT) {
        (false, false) => DemandClass::Smooth,
        (false, true) => DemandClass::Erratic,
        (true, false) => DemandClass::Intermittent,
        (true, true) => DemandClass::Lumpy,
    };
    Profile { adi, cv2, class }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_profiles() {
        // From the first sale: 2, 0, 4, 0 → ADI = 4/2 = 2; sizes 2, 4: mean 3, var 1 → CV² = 1/9.
        let p = classify(&[0.0, 2.0, 0.0, 4.0, 0.0]);
        assert_eq!(p.adi, 2.0);
        assert!((p.cv2 - 1.0 / 9.0).abs() < 1e-15);
        assert_eq!(p.class, DemandClass::Intermittent);
        // 1, 1, 10: ADI 1; mean 4, var 18 → CV² = 1.125 → erratic.
        assert_eq!(classify(&[1.0, 1.0, 10.0]).class, DemandClass::Erratic);
        // 1, 0, 10: ADI 1.5, CV² = (20.25 / 30.25) ≥ 0.49 → lumpy.
        assert_eq!(classify(&[1.0, 0.0, 10.0]).class, DemandClass::Lumpy);
        assert_eq!(classify(&[5.0, 5.0, 6.0]).class, DemandClass::Smooth);
        assert_eq!(classify(&[]).class, DemandClass::Intermittent);
        // A single sale: CV² is 0 by definition.
        assert_eq!(classify(&[0.0, 3.0]).cv2, 0.0);
    }
}
