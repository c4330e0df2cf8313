#include "tensor_agreement.hpp"

#include <fmt/format.h>

#include <climits>
#include <cstdint>
#include <cstring>

#include "mpi_support.hpp"
#include "xgrad/error.hpp"

namespace xgrad::distributed::detail {

namespace {

// The list as bytes: count, then per tensor dtype, rank, sizes, name length and name (int64 each,
// the name as raw chars). Every rank decodes every other rank's list.
class Writer {
 public:
  void integer(std::int64_t v) {
    const auto* p = reinterpret_cast<const char*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof v);
  }
  void text(const std::string& s) {
    integer(static_cast<std::int64_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  std::vector<char>& bytes() { return bytes_; }

 private:
  std::vector<char> bytes_;
};

class Reader {
 public:
  Reader(const char* data, std::size_t size) : data_(data), size_(size) {}
  std::int64_t integer() {
    std::int64_t v;
    need(sizeof v);
    std::memcpy(&v, data_ + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string text() {
    const auto n = static_cast<std::size_t>(integer());
    need(n);
    std::string s(data_ + pos_, n);
    pos_ += n;
    return s;
  }

 private:
  void need(std::size_t n) const {
    if (pos_ + n > size_) throw Error("distributed: a rank sent a truncated tensor description");
  }
  const char* data_;
  std::size_t size_, pos_ = 0;
};

std::vector<char> encode(const std::vector<TensorInfo>& infos) {
  Writer w;
  w.integer(static_cast<std::int64_t>(infos.size()));
  for (const TensorInfo& t : infos) {
    w.integer(t.defined ? static_cast<std::int64_t>(t.dtype) : -1);
    w.integer(static_cast<std::int64_t>(t.shape.size()));
    for (std::int64_t d : t.shape) w.integer(d);
    w.text(t.name);
  }
  return std::move(w.bytes());
}

std::vector<TensorInfo> decode(const char* data, std::size_t size) {
  Reader r(data, size);
  std::vector<TensorInfo> infos(static_cast<std::size_t>(r.integer()));
  for (TensorInfo& t : infos) {
    const std::int64_t dtype = r.integer();
    t.defined = dtype >= 0;
    t.dtype = t.defined ? static_cast<Dtype>(dtype) : Dtype::Float32;
    t.shape.resize(static_cast<std::size_t>(r.integer()));
    for (std::int64_t& d : t.shape) d = r.integer();
    t.name = r.text();
  }
  return infos;
}

// Every rank's list, indexed by rank.
std::vector<std::vector<TensorInfo>> gather_all(const std::vector<TensorInfo>& mine, const char* op) {
  MPI_Comm comm = communicator(op);
  int ranks = 0;
  MPI_Comm_size(comm, &ranks);
  const std::vector<char> bytes = encode(mine);
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    throw Error(fmt::format("{}: {} tensors are too many to describe in one message", op, mine.size()));
  const int length = static_cast<int>(bytes.size());
  std::vector<int> lengths(static_cast<std::size_t>(ranks)), offsets(static_cast<std::size_t>(ranks));
  check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm), op, "MPI_Allgather");
  long long total = 0;
  for (int r = 0; r < ranks; ++r) {
    offsets[r] = static_cast<int>(total);
    total += lengths[r];
    if (total > INT_MAX) throw Error(fmt::format("{}: the ranks' tensor descriptions are too large", op));
  }
  std::vector<char> all(static_cast<std::size_t>(total));
  check(MPI_Allgatherv(bytes.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, comm),
        op, "MPI_Allgatherv");
  std::vector<std::vector<TensorInfo>> lists;
  for (int r = 0; r < ranks; ++r)
    lists.push_back(decode(all.data() + offsets[r], static_cast<std::size_t>(lengths[r])));
  return lists;
}

std::string describe_one(const TensorInfo& t) {
  return t.defined ? fmt::format("{} ({})", shape_str(t.shape), dtype_name(t.dtype)) : "undefined";
}

bool same(const TensorInfo& a, const TensorInfo& b) {
  return a.defined == b.defined && (!a.defined || (a.dtype == b.dtype && a.shape == b.shape));
}

std::string label(const std::vector<TensorInfo>& a, const std::vector<TensorInfo>& b, std::size_t i, bool numbered) {
  if (!numbered) return "the tensor";
  const std::string& name = i < a.size() && !a[i].name.empty() ? a[i].name : i < b.size() ? b[i].name : "";
  return name.empty() ? fmt::format("parameter {}", i) : fmt::format("parameter {} ('{}')", i, name);
}

// The first difference between rank `r`'s list and root's, as a message; empty when they agree.
std::string difference(const std::vector<TensorInfo>& theirs, const std::vector<TensorInfo>& root_list, int r,
                       int root, bool numbered) {
  const std::size_t common = std::min(theirs.size(), root_list.size());
  for (std::size_t i = 0; i < common; ++i)
    if (!same(theirs[i], root_list[i]))
      return fmt::format("{} is {} on rank {} but {} on rank {}", label(root_list, theirs, i, numbered),
                         describe_one(theirs[i]), r, describe_one(root_list[i]), root);
  if (theirs.size() == root_list.size()) return "";
  const bool root_longer = root_list.size() > theirs.size();
  const TensorInfo& extra = root_longer ? root_list[common] : theirs[common];
  return fmt::format("rank {} has {} parameters but rank {} has {}: {} {} exists only on rank {}", r, theirs.size(),
                     root, root_list.size(), label(root_list, theirs, common, numbered), describe_one(extra),
                     root_longer ? root : r);
}

}  // namespace

TensorInfo describe(const std::string& name, const Tensor& t) {
  if (!t.defined()) return {name, false, Dtype::Float32, {}};
  return {name, true, t.dtype(), t.shape()};
}

std::vector<TensorInfo> describe(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<TensorInfo> infos;
  infos.reserve(named.size());
  for (const auto& [name, t] : named) infos.push_back(describe(name, t));
  return infos;
}

void check_same_tensors(const std::vector<TensorInfo>& mine, int root, const char* op, bool numbered) {
  const auto lists = gather_all(mine, op);
  const int ranks = static_cast<int>(lists.size());
  if (root < 0 || root >= ranks)
    throw Error(fmt::format("{}: root rank {} is out of range for {} ranks", op, root, ranks));
  std::string first;
  std::vector<int> differing;
  for (int r = 0; r < ranks; ++r) {
    if (r == root) continue;
    std::string message = difference(lists[r], lists[root], r, root, numbered);
    if (message.empty()) continue;
    if (first.empty()) first = std::move(message);
    differing.push_back(r);
  }
  if (differing.empty()) return;
  std::string others;
  if (differing.size() > 1) others = fmt::format(" ({} ranks differ from rank {})", differing.size(), root);
  throw Error(fmt::format("{}: {}{}; every rank must pass the same tensors in the same order", op, first, others));
}

}  // namespace xgrad::distributed::detail
