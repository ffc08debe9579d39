#include "detector.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <algorithm>

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/serialize.h>

struct rc_detector {
	dlib::frontal_face_detector detector;
	dlib::shape_predictor sp;
};

static char *dup_error(const char *msg) {
	char *s = (char *)malloc(strlen(msg) + 1);
	if (s) strcpy(s, msg);
	return s;
}

rc_detector *rc_detector_new(const char *sp_path, char **err) {
	try {
		rc_detector *d = new rc_detector;
		d->detector = dlib::get_frontal_face_detector();
		dlib::deserialize(sp_path) >> d->sp;
		return d;
	} catch (std::exception &e) {
		*err = dup_error(e.what());
		return nullptr;
	}
}

void rc_detector_free(rc_detector *d) { delete d; }

int rc_detect(rc_detector *d, const uint8_t *rgb, int w, int h, int max,
              long *rects, long *points, double *scores, int *filters, char **err) {
	try {
		dlib::array2d<dlib::rgb_pixel> img(h, w);
		for (int y = 0; y < h; y++) {
			const uint8_t *row = rgb + (size_t)y * w * 3;
			for (int x = 0; x < w; x++) {
				img[y][x] = dlib::rgb_pixel(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
			}
		}
		std::vector<dlib::rect_detection> dets;
		d->detector(img, dets, 0.0);
		int n = (int)dets.size();
		for (int i = 0; i < n && i < max; i++) {
			const dlib::rectangle &r = dets[i].rect;
			rects[4 * i + 0] = r.left();
			rects[4 * i + 1] = r.top();
			rects[4 * i + 2] = r.right();
			rects[4 * i + 3] = r.bottom();
			scores[i] = dets[i].detection_confidence;
			filters[i] = (int)dets[i].weight_index;
			dlib::full_object_detection shape = d->sp(img, r);
			for (unsigned long k = 0; k < 5 && k < shape.num_parts(); k++) {
				points[10 * i + 2 * k] = shape.part(k).x();
				points[10 * i + 2 * k + 1] = shape.part(k).y();
			}
		}
		return n;
	} catch (std::exception &e) {
		*err = dup_error(e.what());
		return -1;
	}
}
