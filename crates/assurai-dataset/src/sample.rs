//! Deterministic sharding by id and seeded stratified sampling.

use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::str::FromStr;

use assurai_taxonomy::{Modality, PromptType, RiskFactor};

use crate::{DatasetError, Instance};

/// FNV-1a 64 of the bytes followed by the SplitMix64 finaliser: a stable
/// hash, the same on every platform and version (part of the format).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Shard `index` of `count`: instances whose [`stable_hash`] of the id is
/// `index` modulo `count`. The shards `0/n … n-1/n` are disjoint and cover
/// every instance, whatever the file order.
///
/// ```
/// use assurai_dataset::Shard;
///
/// let shards: Vec<Shard> = (0..3).map(|k| format!("{k}/3").parse().unwrap()).collect();
/// let owners = shards.iter().filter(|s| s.contains("instance-17")).count();
/// assert_eq!(owners, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count` (`index < count`, `count ≥ 1`).
    pub fn new(index: u32, count: u32) -> Result<Self, DatasetError> {
        if count == 0 || index >= count {
            return Err(DatasetError::InvalidArgument(format!(
                "shard {index}/{count}: expected k/n with 0 ≤ k < n"
            )));
        }
        Ok(Self { index, count })
    }

    /// The shard index `k`.
    pub fn index(self) -> u32 {
        self.index
    }

    /// The number of shards `n`.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether the instance with this id belongs to the shard.
    pub fn contains(self, id: &str) -> bool {
        stable_hash(id.as_bytes()) % u64::from(self.count) == u64::from(self.index)
    }
}

impl FromStr for Shard {
    type Err = DatasetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            DatasetError::InvalidArgument(format!(
                "shard `{s}`: expected k/n, e.g. 0/4 (0 ≤ k < n)"
            ))
        };
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Self::new(k, n)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// How a sample of size `n` is spread over the strata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Allocation {
    /// Each stratum gets a share proportional to its size (largest
    /// remainder rounding).
    #[default]
    Proportional,
    /// Every stratum gets the same number, as far as its size allows; the
    /// rest goes to the larger strata.
    Equal,
}

impl FromStr for Allocation {
    type Err = DatasetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "proportional" | "prop" => Ok(Self::Proportional),
            "equal" => Ok(Self::Equal),
            other => Err(DatasetError::InvalidArgument(format!(
                "unknown allocation `{other}`: expected proportional or equal"
            ))),
        }
    }
}

/// A stratum: risk factor × prompt type × modality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stratum {
    /// The risk factor.
    pub risk_factor: RiskFactor,
    /// The prompt type.
    pub prompt_type: PromptType,
    /// The output modality.
    pub modality: Modality,
}

impl Stratum {
    /// The stratum of an instance.
    pub fn of(inst: &Instance) -> Self {
        Self {
            risk_factor: inst.risk_factor,
            prompt_type: inst.prompt_type,
            modality: inst.modality,
        }
    }
}

impl Stratum {
    /// `factor/prompt_type/modality` ids.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.risk_factor, self.prompt_type, self.modality
        )
    }
}

/// Splits `n` over strata of the given sizes. Never gives a stratum more
/// than its size. Ties (equal remainders, or more strata than sample slots
/// under equal allocation) are broken in a seeded order of the strata, so
/// small samples do not always favour the first factors.
pub fn allocate(
    sizes: &BTreeMap<Stratum, u64>,
    n: u64,
    allocation: Allocation,
    seed: u64,
) -> BTreeMap<Stratum, u64> {
    let order = |k: &Stratum| mix(stable_hash(k.key().as_bytes()) ^ mix(seed ^ 0x5354_5241_5441));
    let total: u64 = sizes.values().sum();
    let mut out: BTreeMap<Stratum, u64> = sizes.keys().map(|k| (*k, 0)).collect();
    if n >= total {
        return sizes.clone();
    }
    match allocation {
        Allocation::Proportional => {
            let mut given = 0u64;
            let mut rema: Vec<(u128, u64, Stratum)> = Vec::with_capacity(sizes.len());
            for (k, size) in sizes {
                let exact = u128::from(n) * u128::from(*size);
                let q = (exact / u128::from(total)) as u64;
                out.insert(*k, q);
                given += q;
                rema.push((exact % u128::from(total), order(k), *k));
            }
            // Largest remainder first; seeded order on ties.
            rema.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, _, k) in rema
                .into_iter()
                .take(usize::try_from(n - given).unwrap_or(usize::MAX))
            {
                if let Some(v) = out.get_mut(&k) {
                    *v += 1;
                }
            }
        }
        Allocation::Equal => {
            let mut left = n;
            let mut open: Vec<Stratum> = sizes.keys().copied().collect();
            open.sort_by_key(|k| order(k));
            while left > 0 && !open.is_empty() {
                let per = (left / open.len() as u64).max(1);
                let mut next = Vec::with_capacity(open.len());
                for k in open {
                    if left == 0 {
                        break;
                    }
                    let cap = sizes.get(&k).copied().unwrap_or(0);
                    let cur = out.get(&k).copied().unwrap_or(0);
                    let add = per.min(cap - cur).min(left);
                    out.insert(k, cur + add);
                    left -= add;
                    if cur + add < cap {
                        next.push(k);
                    }
                }
                open = next;
            }
        }
    }
    out
}

/// Seeded stratified sampling in two streaming passes: [`Sampler::count`]
/// every instance, then [`Sampler::offer`] every instance again and take
/// the sample from [`Sampler::finish`]. Memory holds only the sample.
///
/// Which instances are chosen depends only on the seed and the ids, not on
/// file order: within a stratum the instances with the smallest
/// seeded hash of their id win.
///
/// ```
/// use assurai_dataset::{Allocation, Input, Instance, Sampler};
/// use assurai_taxonomy::{PromptType, RiskFactor};
///
/// let data: Vec<Instance> = (0..100)
///     .map(|i| {
///         let f = if i % 4 == 0 { RiskFactor::Fraud } else { RiskFactor::Harassment };
///         Instance::new(format!("i{i}"), f, PromptType::QOnly, Input::Prompt("질문".into()))
///     })
///     .collect();
/// let mut s = Sampler::new(42, 20, Allocation::Proportional);
/// data.iter().for_each(|i| s.count(i));
/// data.iter().cloned().for_each(|i| s.offer(i));
/// let sample = s.finish();
/// assert_eq!(sample.len(), 20);
/// assert_eq!(sample.iter().filter(|i| i.risk_factor == RiskFactor::Fraud).count(), 5);
/// ```
#[derive(Debug)]
pub struct Sampler {
    seed: u64,
    n: u64,
    allocation: Allocation,
    sizes: BTreeMap<Stratum, u64>,
    quotas: Option<BTreeMap<Stratum, u64>>,
    heaps: BTreeMap<Stratum, BinaryHeap<Ranked>>,
    seq: u64,
}

#[derive(Debug)]
struct Ranked {
    key: u64,
    seq: u64,
    inst: Instance,
}

impl PartialEq for Ranked {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key && self.inst.id == o.inst.id
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ranked {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.key, &self.inst.id).cmp(&(o.key, &o.inst.id))
    }
}

impl Sampler {
    /// A sampler for `n` instances with the given seed and allocation.
    pub fn new(seed: u64, n: u64, allocation: Allocation) -> Self {
        Self {
            seed,
            n,
            allocation,
            sizes: BTreeMap::new(),
            quotas: None,
            heaps: BTreeMap::new(),
            seq: 0,
        }
    }

    /// First pass: counts an instance's stratum.
    pub fn count(&mut self, inst: &Instance) {
        *self.sizes.entry(Stratum::of(inst)).or_default() += 1;
    }

    /// The number of instances each stratum contributes (after the first
    /// pass).
    pub fn quotas(&mut self) -> &BTreeMap<Stratum, u64> {
        let (sizes, n, a, seed) = (&self.sizes, self.n, self.allocation, self.seed);
        self.quotas
            .get_or_insert_with(|| allocate(sizes, n, a, seed))
    }

    /// The seeded rank of an id: smaller ranks are sampled first.
    pub fn rank(&self, id: &str) -> u64 {
        mix(stable_hash(id.as_bytes()) ^ mix(self.seed))
    }

    /// Second pass: offers an instance for the sample.
    pub fn offer(&mut self, inst: Instance) {
        let stratum = Stratum::of(&inst);
        let quota = self.quotas().get(&stratum).copied().unwrap_or(0);
        if quota == 0 {
            return;
        }
        let key = self.rank(&inst.id);
        let seq = self.seq;
        self.seq += 1;
        let heap = self.heaps.entry(stratum).or_default();
        let r = Ranked { key, seq, inst };
        if (heap.len() as u64) < quota {
            heap.push(r);
        } else if heap.peek().is_some_and(|top| r < *top) {
            heap.pop();
            heap.push(r);
        }
    }

    /// The sample, in the order the instances were offered.
    pub fn finish(self) -> Vec<Instance> {
        let mut all: Vec<Ranked> = self.heaps.into_values().flatten().collect();
        all.sort_by_key(|r| r.seq);
        all.into_iter().map(|r| r.inst).collect()
    }
}
