// Elementary functions whose results are the same bits on every machine.
//
// libm's log, exp and pow are not correctly rounded and differ between C
// libraries and versions, so a generator that called them could write a
// different trace on another machine. These use only operations whose results
// IEEE 754 specifies exactly (+, -, *, /, sqrt, floor, and scaling by a power
// of two with frexp/ldexp), in a fixed order, compiled with floating-point
// contraction off (no fused multiply-add; see traces/CMakeLists.txt). They
// are accurate to a few units in the last place, which is far more than
// sampling needs; what matters is that they are reproducible.
//
// Assumes IEEE 754 binary64 doubles evaluated without excess precision
// (x86-64 SSE2, AArch64, RISC-V; not x87).
#pragma once

namespace heapreplay {

// Natural logarithm. Precondition: x > 0 and finite.
double det_log(double x);
// Base-2 logarithm; exact for powers of two. Precondition: x > 0 and finite.
double det_log2(double x);
// e^x; 0 below about -745, +inf above about 709.
double det_exp(double x);
// 2^x; exact for integers in the double range.
double det_exp2(double x);
// x^y = 2^(y log2 x). Precondition: x > 0 and finite.
double det_pow(double x, double y);

}  // namespace heapreplay
