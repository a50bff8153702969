/* export.h - symbol visibility. The library is compiled with hidden visibility; only
 * declarations marked SHAPC_API are exported from the shared object. Internal shapc__
 * functions stay hidden (they remain reachable from the static library for tests). */
#ifndef SHAPC_EXPORT_H
#define SHAPC_EXPORT_H

#if defined(_WIN32)
#define SHAPC_API
#elif defined(__GNUC__)
#define SHAPC_API __attribute__((visibility("default")))
#else
#define SHAPC_API
#endif

#endif /* SHAPC_EXPORT_H */
