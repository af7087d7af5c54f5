// zlib from Debian's zlib1g-dev: raw deflate/inflate and CRC-32 for .npz members.
#include <zlib.h>
