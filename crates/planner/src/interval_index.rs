//! A static interval index: intervals sorted by start, with a max-end segment tree over them.
//! An overlap query visits only subtrees that can contain an overlap, so it costs
//! O(log n + k) for k hits instead of a scan.

use trainyard_core::Interval;

#[derive(Debug, Clone)]
pub struct IntervalIndex<T> {
    items: Vec<(Interval, T)>,
    /// `tree[node]` is the largest end in that node's range; leaves start at `size`.
    tree: Vec<i64>,
    size: usize,
}

impl<T> IntervalIndex<T> {
    pub fn new(mut items: Vec<(Interval, T)>) -> Self {
        items.sort_by_key(|(iv, _)| (iv.start_ms, iv.end_ms));
        let size = items.len().next_power_of_two().max(1);
        let mut tree = vec![i64::MIN; 2 * size];
        for (i, (iv, _)) in items.iter().enumerate() {
            tree[size + i] = iv.end_ms;
        }
        for node in (1..size).rev() {
            tree[node] = tree[2 * node].max(tree[2 * node + 1]);
        }
        Self { items, tree, size }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every stored interval that overlaps `q` (touching ends do not overlap), in start order.
    pub fn overlapping(&self, q: Interval) -> Vec<&(Interval, T)> {
        let mut out = Vec::new();
        self.for_each_overlap(q, |item| {
            out.push(item);
            true
        });
        out
    }

    /// Whether anything overlaps `q`; stops at the first hit.
    pub fn any_overlap(&self, q: Interval) -> bool {
        let mut found = false;
        self.for_each_overlap(q, |_| {
            found = true;
            false
        });
        found
    }

    /// How many stored intervals overlap `q`.
    pub fn count_overlapping(&self, q: Interval) -> usize {
        let mut n = 0;
        self.for_each_overlap(q, |_| {
            n += 1;
            true
        });
        n
    }

    /// Calls `visit` for each overlap in start order until it returns false.
    pub fn for_each_overlap<'a>(
        &'a self,
        q: Interval,
        mut visit: impl FnMut(&'a (Interval, T)) -> bool,
    ) {
        // Candidates start before q ends: a prefix of the sorted items.
        let limit = self.items.partition_point(|(iv, _)| iv.start_ms < q.end_ms);
        if limit == 0 {
            return;
        }
        // Iterative descent over the prefix [0, limit), skipping subtrees whose max end <= q.start.
        let mut stack = vec![(1usize, 0usize, self.size)];
        while let Some((node, lo, hi)) = stack.pop() {
            if lo >= limit || self.tree[node] <= q.start_ms {
                continue;
            }
            if hi - lo == 1 {
                if !visit(&self.items[lo]) {
                    return;
                }
                continue;
            }
            let mid = (lo + hi) / 2;
            // Right first on the stack so that the left (earlier) half is visited first.
            stack.push((2 * node + 1, mid, hi));
            stack.push((2 * node, lo, mid));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(a, b).unwrap()
    }

    #[test]
    fn touching_is_not_overlapping() {
        let idx = IntervalIndex::new(vec![(iv(0, 10), "a"), (iv(10, 20), "b"), (iv(30, 40), "c")]);
        assert!(!idx.any_overlap(iv(20, 30)));
        assert_eq!(
            idx.overlapping(iv(5, 15))
                .iter()
                .map(|x| x.1)
                .collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        assert_eq!(idx.count_overlapping(iv(0, 100)), 3);
        assert!(
            IntervalIndex::<()>::new(Vec::new())
                .overlapping(iv(0, 1))
                .is_empty()
        );
    }

    proptest! {
        #[test]
        fn agrees_with_a_scan(
            spans in proptest::collection::vec((0i64..1_000, 1i64..100), 0..200),
            q in (0i64..1_100, 1i64..200),
        ) {
            let items: Vec<(Interval, usize)> = spans.iter().enumerate().map(|(i, (s, l))| (iv(*s, s + l), i)).collect();
            let query = iv(q.0, q.0 + q.1);
            let mut expected: Vec<usize> = items.iter().filter(|(x, _)| x.overlaps(&query)).map(|(_, i)| *i).collect();
            let idx = IntervalIndex::new(items);
            let mut got: Vec<usize> = idx.overlapping(query).iter().map(|(_, i)| *i).collect();
            expected.sort();
            got.sort();
            prop_assert_eq!(got, expected);
        }
    }
}
