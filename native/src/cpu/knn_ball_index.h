// Exact k-NN for low-dimensional codebooks by pruning (the fast CPU backend's second k-NN path,
// fast_knn.cpp chooses). Image patches are the case: 3x3 on one channel is d = 9, where the
// brute force spends d + 2 flops per codeword and query and its BLAS GEMM runs far below peak,
// while a few dozen codewords are all that can be nearest.
//
// The codebook is split once into G balls (a few Lloyd iterations over its rows; a ball is a
// centre and the rows assigned to it, sorted by their distance rho to the centre). For a query q
// at distance D from a centre, every row j of that ball is at least |D - rho_j| away (triangle
// inequality) and the whole ball at least D - radius. A query visits its nearest ball first, then
// the others unless the ball bound already rules them out; inside a ball it walks outwards from
// rho = D and stops on each side at the first row that the bound rules out (rho is sorted, so
// every row beyond is ruled out too).
//
// Exactness: the rows that are evaluated get the contract's own distance (ref::knn_distance:
// double over direct differences, rounded once to float) and are ranked by (distance, index), so
// the result is the reference's bit for bit, provided no pruned row could have ranked. A row is
// pruned only when its bound, less a tolerance for the rounding of D and rho in double, exceeds
// the current k-th distance by a relative 1e-6 plus the smallest float: its float distance is
// then strictly larger than the k-th (so it can neither rank nor tie).
// Non-finite queries are left to the caller (search returns -1); a non-finite codebook cannot be
// indexed (build returns false).
#pragma once
#include <cstdint>
#include <vector>

namespace ac {

class KnnBallIndex {
 public:
  // Partitions codebook [K][d] into about sqrt(K) balls; false (nothing built) when the codebook
  // holds a non-finite value. threads: for the assignment passes.
  bool build(int64_t K, int64_t d, const float* codebook, int threads);

  // The k (1 <= k <= min(K, kKnnMaxK)) nearest rows of q by (distance, index) into idx / dist;
  // returns how many rows were screened, or -1 (nothing written) when q is not finite.
  int64_t search(const float* q, int32_t k, int32_t* idx, float* dist) const;

  int64_t rows() const { return K_; }
  // Rows screened together by their float distance.
  static constexpr int64_t kLanes = 8;
  int64_t balls() const { return G_; }

 private:
  int64_t K_ = 0, d_ = 0, G_ = 0;
  std::vector<float> centres_;    // [d][centre_stride_]: one dimension of every centre, contiguous
  int64_t centre_stride_ = 0;
  std::vector<double> radius_;    // [G]
  std::vector<double> reach_floor_;  // [G]: radius and the rounding allowance of a ball test
  std::vector<int64_t> start_;    // [G + 1]: ball g holds member slots start_[g] .. start_[g+1)
  std::vector<float> members_;    // [K][d]: the codebook rows in ball order
  std::vector<double> rho_;       // [K]: each member's distance to its centre, ascending per ball
  std::vector<int32_t> index_;    // [K]: each member's codebook index
  std::vector<float> lanes_;      // [d][stride_]: members_ by dimension, for block screening
  int64_t stride_ = 0;

  // Float distances of q to member slots b0 .. b0 + kLanes (sum of squared float differences).
  void block_distances(const float* q, int64_t b0, float* out) const;
};

}  // namespace ac
