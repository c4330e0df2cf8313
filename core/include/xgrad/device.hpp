// Device: where a tensor lives, with libtorch's names. xgrad computes on the CPU only; the type exists
// so that CPU programs written for libtorch, which name their device, build and run unchanged. Asking
// for a CUDA tensor throws xgrad::Error instead of pretending.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>

namespace xgrad {

enum class DeviceType : std::int8_t { CPU, CUDA };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

class Device {
 public:
  // Implicit from a type, so `Device d = cuda::is_available() ? kCUDA : kCPU;` reads as in libtorch.
  Device(DeviceType type, std::int8_t index = -1);
  // "cpu", "cuda", "cuda:1"; anything else throws naming the string.
  explicit Device(const std::string& spec);
  Device(const char* spec) : Device(std::string(spec)) {}

  DeviceType type() const { return type_; }
  std::int8_t index() const { return index_; }
  bool has_index() const { return index_ >= 0; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  bool is_cuda() const { return type_ == DeviceType::CUDA; }
  std::string str() const;  // "cpu", "cuda:0"
  bool operator==(const Device& other) const { return type_ == other.type_ && index_ == other.index_; }

 private:
  DeviceType type_;
  std::int8_t index_;
};

std::ostream& operator<<(std::ostream& os, const Device& device);
std::ostream& operator<<(std::ostream& os, DeviceType type);

// Throws xgrad::Error naming `op` unless `device` is the CPU.
void check_cpu_device(const char* op, const Device& device);

namespace cuda {
// No CUDA backend exists in xgrad: always false and 0, so libtorch's device selection picks the CPU.
inline bool is_available() { return false; }
inline std::int64_t device_count() { return 0; }
inline bool cudnn_is_available() { return false; }
}  // namespace cuda

}  // namespace xgrad
