#include <sys/xattr.h>
#include <malloc.h>
