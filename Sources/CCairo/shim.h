// Cairo with its PNG, SVG and PDF surfaces (libcairo2-dev). Text uses Cairo's toy API with DejaVu Sans.
#include <cairo.h>
#include <cairo-svg.h>
#include <cairo-pdf.h>
