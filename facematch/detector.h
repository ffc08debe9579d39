// A thin C interface to dlib's HOG face detector and 5-point shape
// predictor, for detection without descriptors on raw RGB pixels.
#ifndef RECHECK_DETECTOR_H
#define RECHECK_DETECTOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rc_detector rc_detector;

// rc_detector_new loads the shape predictor; *err is set (and must be freed)
// on failure, when NULL is returned.
rc_detector *rc_detector_new(const char *shape_predictor_path, char **err);
void rc_detector_free(rc_detector *d);

// rc_detect finds up to max faces in a packed RGB image (w*h*3 bytes) and
// writes, per face, its box (left, top, right, bottom) to rects[4*i], its 5
// landmarks (x, y) to points[10*i], its detection confidence to scores[i]
// and the index of the HOG filter that fired (0 frontal, 1 and 2 turned left
// and right, 3 and 4 rotated) to filters[i]. It returns the number of faces
// found (which may exceed max; only max are written), or -1 with *err set.
int rc_detect(rc_detector *d, const uint8_t *rgb, int w, int h, int max,
              long *rects, long *points, double *scores, int *filters, char **err);

#ifdef __cplusplus
}
#endif

#endif
